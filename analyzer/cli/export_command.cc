// `arenatrace export`: a stack analysis in a format other tools read.
#include <unistd.h>

#include "analyzer/cli/commands.h"
#include "analyzer/cli/snapshot_loading.h"
#include "analyzer/cli/stack_analyses.h"
#include "analyzer/model/text.h"
#include "analyzer/render/folded.h"
#include "analyzer/render/heapsnapshot.h"
#include "analyzer/render/pprof.h"
#include "analyzer/render/speedscope.h"
#include "core/trace/trace_reader.h"

namespace arenatrace::cli {

int ExportCommand(const std::vector<std::string>& args) {
  CLI::App app(
      "A stack analysis of the run (--peak, the default; --leaks, --allocated, --temporary, "
      "--retained (a snapshot's dominator tree: who keeps the memory alive); or "
      "--diff OTHER: OTHER's peak minus this one's) as folded stacks (flamegraph.pl, inferno), "
      "pprof's profile.proto (go tool pprof; alloc_objects, alloc_space, inuse_objects, "
      "inuse_space) or speedscope's JSON; or a snapshot of the object graph as Chrome DevTools' "
      "heap snapshot (--format heapsnapshot, with allocation stacks), for DevTools' Memory panel.",
      "arenatrace export");
  CommonOptions options;
  AddCommonOptions(app, &options, kAllOptions & ~(kJsonOption | kListOptions));
  std::string format;
  app.add_option("--format", format, "folded, pprof, speedscope or heapsnapshot")
      ->required()
      ->check(CLI::IsMember({"folded", "pprof", "speedscope", "heapsnapshot"}));
  std::string snapshot;
  AddSnapshotOption(app, &snapshot);
  StackAnalysisKind kind = StackAnalysisKind::kPeak;
  auto* group = app.add_option_group("analysis", "the stack analysis exported (one of)");
  bool peak = false, leaks = false, allocated = false, temporary = false, retained = false;
  group->add_flag("--peak", peak, "live at the heap's peak (default)");
  group->add_flag("--leaks", leaks, "alive when the program's own code ended");
  group->add_flag("--allocated", allocated, "everything allocated");
  group->add_flag("--temporary", temporary, "temporary allocations");
  group->add_flag("--retained", retained,
                  "what each object of a snapshot retains, along its dominator tree");
  std::string diff_with;
  group->add_option("--diff", diff_with, "the other trace: its analysis minus this one's");
  group->require_option(0, 1);
  StackAnalysisOptions analysis;
  app.add_option("--within", analysis.within, "for --temporary: allocations allowed in between");
  bool counts = false, inverted = false;
  app.add_flag("--count", counts, "folded: blocks instead of bytes");
  app.add_flag("--inverted", inverted, "folded: the innermost frame first");
  if (const int status = Parse(app, args); status >= 0) return status;
  if (format == "heapsnapshot") {
    LoadedSnapshot loaded;
    if (const int status = LoadSnapshot(app, options, snapshot, &loaded); status >= 0) {
      return status;
    }
    if (!WriteOutput(options, analyzer::HeapSnapshotJson(loaded.snapshot(), loaded.state()))) {
      return kUnreadable;
    }
    return FinishWithStatus({&loaded.replay}, loaded.loaded.run);
  }
  if (leaks) kind = StackAnalysisKind::kLeaks;
  if (allocated) kind = StackAnalysisKind::kAllocated;
  if (temporary) kind = StackAnalysisKind::kTemporary;
  if (retained) kind = StackAnalysisKind::kRetained;
  if (!ParseSnapshotOption(app.get_name(), snapshot, &analysis.snapshot)) return kUsage;
  if (format == "pprof" && (options.output.empty() || options.output == "-") &&
      isatty(STDOUT_FILENO)) {
    return Fail(app.get_name(), "pprof files are binary: name one with -o FILE", kUsage);
  }

  analyzer::StackProfile profile;
  bool incomplete = false;
  if (const int status = MergedProfile(app, options, kind, analysis, &profile, &incomplete);
      status >= 0) {
    return status;
  }
  std::string name = options.trace;
  if (!diff_with.empty()) {
    CommonOptions other = options;
    other.trace = diff_with;
    other.pids.clear();
    analyzer::StackProfile theirs;
    if (const int status = MergedProfile(app, other, kind, analysis, &theirs, &incomplete);
        status >= 0) {
      return status;
    }
    theirs.Subtract(profile);
    theirs.measure = "difference in " + profile.measure;
    profile = std::move(theirs);
    name = diff_with + " - " + options.trace;
  }

  std::string out;
  if (format == "folded") {
    out = FoldedText(profile, {inverted, counts});
  } else if (format == "speedscope") {
    out = SpeedscopeJson(profile, name);
  } else {
    std::string error;
    uint64_t start = 0, duration = 0;
    std::unique_ptr<trace::TraceReader> reader = trace::TraceReader::Open(options.trace, &error);
    if (reader) start = reader->header().start_unix_micros;
    if (!PprofBytes(profile, start, duration, &out, &error)) {
      return Fail(app.get_name(), error, kUnreadable);
    }
  }
  if (!WriteOutput(options, out)) return kUnreadable;
  return incomplete ? kIncomplete : kOk;
}

}  // namespace arenatrace::cli
