// `arenatrace generations`: what each marked phase left behind, and the GC.
#include "analyzer/analyses/gc.h"
#include "analyzer/analyses/generations.h"
#include "analyzer/cli/commands.h"
#include "analyzer/cli/process_command.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::cli {
namespace {

// Both analyses behind one observer, for ProcessCommand.
class PhasesAndGc : public analyzer::ReplayObserver {
 public:
  void Begin(const analyzer::ReplayState& s) override {
    phases.Begin(s);
    gc.Begin(s);
  }
  void OnAlloc(uint64_t a, const analyzer::Block& b) override { phases.OnAlloc(a, b); }
  void OnRelease(uint64_t a, const analyzer::Block& b, analyzer::Release why) override {
    phases.OnRelease(a, b, why);
    gc.OnRelease(a, b, why);
  }
  void OnGcStart(uint64_t g) override { gc.OnGcStart(g); }
  void OnGcStop(uint64_t g, uint64_t c, uint64_t u) override { gc.OnGcStop(g, c, u); }
  void OnMark() override { phases.OnMark(); }
  void OnFinalizing() override { phases.OnFinalizing(); }
  void OnEnd() override {
    phases.OnEnd();
    gc.OnEnd();
  }
  analyzer::GenerationsAnalysis phases;
  analyzer::GcAnalysis gc;
};

}  // namespace

int GenerationsCommand(const std::vector<std::string>& args) {
  CLI::App app(
      "For each phase between marks (arenatrace.mark), what it allocated and what of it is "
      "still alive at each later mark, at the program's end and at exit, by site; and CPython's "
      "garbage collections per generation, with the sites whose blocks they freed.",
      "arenatrace generations");
  CommonOptions options;
  AddCommonOptions(app, &options);
  if (const int status = Parse(app, args); status >= 0) return status;
  const analyzer::ListLimits limits = options.limits();
  return ProcessCommand<PhasesAndGc>(
      "generations", app, options, [&](PhasesAndGc& a, const analyzer::ReplayState&) {
        std::string text =
            absl::StrCat(analyzer::GenerationsText(a.phases.result(), limits),
                         "\n  garbage collections:\n", analyzer::GcText(a.gc.result(), limits));
        nlohmann::json json = analyzer::GenerationsJson(a.phases.result());
        json["gc"] = analyzer::GcJson(a.gc.result(), limits);
        return std::make_pair(text, json);
      });
}

}  // namespace arenatrace::cli
