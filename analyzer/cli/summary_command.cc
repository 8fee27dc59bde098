// `arenatrace summary`: totals, peaks, top sites, GC and the run's processes.
#include "analyzer/analyses/allocated.h"
#include "analyzer/analyses/gc.h"
#include "analyzer/analyses/peak.h"
#include "analyzer/cli/commands.h"
#include "analyzer/cli/common.h"
#include "analyzer/render/summary_report.h"

namespace arenatrace::cli {

int SummaryCommand(const std::vector<std::string>& args) {
  CLI::App app(
      "What a trace holds: the process, totals and peaks per domain, RSS against the heap, "
      "threads, marks, GC per generation, the top allocation sites by bytes allocated and by "
      "bytes live at the peak, and the processes of the run.",
      "arenatrace summary");
  CommonOptions options;
  options.top = 10;
  AddCommonOptions(app, &options, kTraceArgument | kJsonOption | kOutputOption);
  app.add_option("--top", options.top, "sites per list (default 10)");
  app.add_option("--pid", options.pids, "the process of the run to summarise (default: the root)")
      ->allow_extra_args(false);
  if (const int status = Parse(app, args); status >= 0) return status;
  LoadedRun loaded;
  if (const int status = LoadRun(app, options, &loaded); status >= 0) return status;

  const size_t index = loaded.selected.front();
  analyzer::AllocatedAnalysis allocated;
  analyzer::PeakAnalysis peak;
  analyzer::GcAnalysis gc;
  ProcessReplay process{index, nullptr};
  const int status = ReplayProcess(
      loaded.run.traces[index], options,
      [&](analyzer::Replay& replay, const analyzer::Selection&) {
        replay.Add(&allocated);
        replay.Add(&peak);
        replay.Add(&gc);
      },
      &process);
  if (status >= 0) return status;
  const analyzer::PeakResult peak_result = peak.Result();
  const analyzer::SummaryInput input{&loaded.run,          index,        &process.replay->state(),
                                     &allocated.profile(), &peak_result, &gc.result(),
                                     options.top};
  if (!WriteOutput(options, options.json ? SummaryJson(input) : SummaryText(input))) {
    return kUnreadable;
  }
  return FinishWithStatus({&process}, loaded.run);
}

}  // namespace arenatrace::cli
