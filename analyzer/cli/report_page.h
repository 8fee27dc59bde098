// The HTML page behind `report`, `flamegraph` and `timeline --html`: which
// parts a page holds, and the replays that fill them. A page is one file
// whose size is bounded by what a screen shows (render/flame_data.h, the
// timeline's columns, the temporal view's buckets), not by the trace.
#ifndef ARENATRACE_ANALYZER_CLI_REPORT_PAGE_H_
#define ARENATRACE_ANALYZER_CLI_REPORT_PAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/cli/common.h"
#include "analyzer/cli/stack_analyses.h"

namespace arenatrace::cli {

struct ReportPageSpec {
  std::string command;                   // "report", "flamegraph", "timeline"
  std::vector<StackAnalysisKind> views;  // flame graphs, the first shown first
  bool tables = true;                    // summary, leaks, GC, fragmentation, processes
  bool timeline = true;                  // the timeline and its temporal flame graph
  bool count = false;                    // flame graphs weighted by blocks at first
  bool threads = false;                  // a view of the peak split by thread
  uint32_t within = 0;                   // for the temporary view
  std::string snapshot;                  // --snapshot: for the retained view and the leak evidence
  uint32_t buckets = 150;                // of the temporal view
  size_t top = 100;                      // rows of the tables
};

// Replays every selected process (twice with the timeline: the temporal
// view needs the run's length and the nodes worth showing first), writes
// the page to --output, and returns the exit status. The retained view is
// left out of a page whose trace has no snapshot, unless it is the only one.
int WriteReportPage(const CLI::App& app, const CommonOptions& options, const ReportPageSpec& spec);

// The options every HTML command shares: the selection and -o.
void AddReportPageOptions(CLI::App& app, CommonOptions* options, ReportPageSpec* spec);

}  // namespace arenatrace::cli

#endif  // ARENATRACE_ANALYZER_CLI_REPORT_PAGE_H_
