// `arenatrace report`: one self-contained HTML page of the whole run.
#include "analyzer/cli/commands.h"
#include "analyzer/cli/report_page.h"
#include "analyzer/cli/snapshot_loading.h"

namespace arenatrace::cli {

int ReportCommand(const std::vector<std::string>& args) {
  CLI::App app(
      "One self-contained HTML page (no network at view time, a few MB whatever the trace): the "
      "summary, flame graphs of the peak (also by thread), leaks, allocated and temporary "
      "analyses, what the last snapshot's objects retain, the timeline "
      "(select a range to see its highest moment), the leak verdicts, GC per generation, "
      "fragmentation and the run's processes.",
      "arenatrace report");
  CommonOptions options;
  ReportPageSpec spec;
  spec.command = "report";
  spec.threads = true;
  spec.views = {StackAnalysisKind::kPeak, StackAnalysisKind::kLeaks, StackAnalysisKind::kAllocated,
                StackAnalysisKind::kTemporary, StackAnalysisKind::kRetained};
  AddReportPageOptions(app, &options, &spec);
  app.add_option("--within", spec.within,
                 "for the temporary view: allocations of the thread allowed in between");
  AddSnapshotOption(app, &spec.snapshot);
  if (const int status = Parse(app, args); status >= 0) return status;
  return WriteReportPage(app, options, spec);
}

}  // namespace arenatrace::cli
