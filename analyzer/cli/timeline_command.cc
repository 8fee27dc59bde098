// `arenatrace timeline`: the heap by domain, RSS, GC and marks over time.
#include "analyzer/analyses/timeline.h"
#include "analyzer/cli/commands.h"
#include "analyzer/cli/process_command.h"
#include "analyzer/cli/report_page.h"

namespace arenatrace::cli {

int TimelineCommand(const std::vector<std::string>& args) {
  CLI::App app(
      "The heap (of the selection) by domain, RSS, garbage collections, marks and the process's "
      "events over time: a JSON series (--json), or a compact chart.",
      "arenatrace timeline");
  CommonOptions options;
  AddCommonOptions(app, &options, kAllOptions & ~kListOptions);
  size_t points = 0;
  app.add_option("--points", points,
                 "columns of the series: min/max kept per column (default: 72 for text, 1000 "
                 "for JSON)");
  bool html = false;
  app.add_flag("--html", html,
               "a self-contained HTML page instead: the timeline, and the flame graph of the "
               "highest moment of the range selected on it");
  ReportPageSpec spec;
  app.add_option("--buckets", spec.buckets,
                 "with --html: spans of time the range selection picks from (default 150)")
      ->check(CLI::Range(1, 2000));
  if (const int status = Parse(app, args); status >= 0) return status;
  if (html) {
    if (options.json) return Fail(app.get_name(), "--html and --json exclude each other", kUsage);
    spec.command = "timeline";
    spec.tables = false;
    return WriteReportPage(app, options, spec);
  }
  return ProcessCommand<analyzer::TimelineAnalysis>(
      "timeline", app, options, [&](analyzer::TimelineAnalysis& a, const analyzer::ReplayState&) {
        return std::make_pair(analyzer::TimelineText(a.result(), points ? points : 72),
                              analyzer::TimelineJson(a.result(), points ? points : 1000));
      });
}

}  // namespace arenatrace::cli
