// The stack analyses behind `peak`, `leaks`, `temporary`, `allocated`, and
// the profiles `export` and `diff` take from them: one interface, so that
// every command can run any of them on every process of a run.
#ifndef ARENATRACE_ANALYZER_CLI_STACK_ANALYSES_H_
#define ARENATRACE_ANALYZER_CLI_STACK_ANALYSES_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/analyses/leaks.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/cli/common.h"
#include "analyzer/render/json_report.h"
#include "analyzer/replay/observer.h"
#include "analyzer/replay/replay.h"

namespace arenatrace::cli {

// kRetained: the last snapshot of the object graph (or --snapshot's), its
// dominator tree as a profile (graph/retained_profile.h).
enum class StackAnalysisKind { kPeak, kLeaks, kAllocated, kTemporary, kRetained };
const char* StackAnalysisName(StackAnalysisKind kind);

class StackAnalysis {
 public:
  virtual ~StackAnalysis() = default;
  // Adds the analysis's observers to the replay (which outlives them).
  virtual void Observe(analyzer::Replay& replay) = 0;
  virtual const analyzer::StackProfile& profile() = 0;
  virtual nlohmann::json Json(const analyzer::ListLimits& limits) = 0;
  virtual std::string Text(const analyzer::ListLimits& limits) = 0;
  // False when the trace lacks what the analysis needs (kRetained: a snapshot).
  virtual bool available() { return true; }
  // For `leaks`: the sites it calls leaks (others: none).
  virtual std::vector<analyzer::LeakVerdict> Leaked() { return {}; }
};

// `within`: for kTemporary, the allocations allowed in between; `snapshot`:
// for kRetained, which snapshot (from 0; nullopt: the last whole one).
struct StackAnalysisOptions {
  uint32_t within = 0;
  std::optional<size_t> snapshot;
};
std::unique_ptr<StackAnalysis> MakeStackAnalysis(StackAnalysisKind kind,
                                                 const analyzer::Selection& selection,
                                                 const StackAnalysisOptions& options = {});

// One process replayed with one stack analysis.
struct ProcessStackAnalysis {
  ProcessReplay replay;
  std::unique_ptr<StackAnalysis> analysis;
};

// Replays every selected process of `loaded` with a `kind` analysis.
// Returns -1 to go on, else the exit status (the error said).
int ReplayWithStackAnalysis(const LoadedRun& loaded, const CommonOptions& options,
                            StackAnalysisKind kind, const StackAnalysisOptions& analysis,
                            std::vector<ProcessStackAnalysis>* out);

// The profiles of several processes as one: each under a frame naming its
// process (a single process's profile unchanged).
analyzer::StackProfile RunProfile(const LoadedRun& loaded,
                                  const std::vector<ProcessStackAnalysis>& processes);

std::vector<const ProcessReplay*> Replays(const std::vector<ProcessStackAnalysis>& processes);

// The profile of `kind` for every selected process of `options.trace`'s run,
// merged stack by stack without process frames (for comparing two runs,
// whose pids differ). Returns -1 to go on, else the exit status (said);
// `incomplete` is set when a trace was cut short or damaged.
// kRetained without a snapshot in any process is an error (said).
int MergedProfile(const CLI::App& app, const CommonOptions& options, StackAnalysisKind kind,
                  const StackAnalysisOptions& analysis, analyzer::StackProfile* out,
                  bool* incomplete);

// A whole stack command: parses the common options (and what `extend` adds),
// replays, prints per process and for the run, returns the exit status.
struct StackCommandSpec {
  const char* name;  // "peak"
  const char* description;
  StackAnalysisKind kind;
  uint32_t within = 0;  // kTemporary: set by an option `extend` adds
};
template <class Extend>
int StackCommand(StackCommandSpec spec, const std::vector<std::string>& args, Extend&& extend);
int StackCommandAfterParse(const StackCommandSpec& spec, const CommonOptions& options,
                           const CLI::App& app);

template <class Extend>
int StackCommand(StackCommandSpec spec, const std::vector<std::string>& args, Extend&& extend) {
  CLI::App app(spec.description, std::string("arenatrace ") + spec.name);
  CommonOptions options;
  AddCommonOptions(app, &options);
  extend(app, &spec);
  if (const int status = Parse(app, args); status >= 0) return status;
  return StackCommandAfterParse(spec, options, app);
}

}  // namespace arenatrace::cli

#endif  // ARENATRACE_ANALYZER_CLI_STACK_ANALYSES_H_
