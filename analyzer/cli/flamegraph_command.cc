// `arenatrace flamegraph`: one stack analysis as an HTML flame graph.
#include "analyzer/cli/commands.h"
#include "analyzer/cli/report_page.h"
#include "analyzer/cli/snapshot_loading.h"

namespace arenatrace::cli {

int FlamegraphCommand(const std::vector<std::string>& args) {
  CLI::App app(
      "A stack analysis as a self-contained HTML flame graph: --peak (default), --leaks, "
      "--allocated, --temporary or --retained (a snapshot's dominator tree: who keeps the memory "
      "alive), weighted by bytes or (--count) by blocks (objects for --retained).",
      "arenatrace flamegraph");
  CommonOptions options;
  ReportPageSpec spec;
  spec.command = "flamegraph";
  spec.tables = false;
  spec.timeline = false;
  AddReportPageOptions(app, &options, &spec);
  auto* group = app.add_option_group("analysis", "the stack analysis drawn (one of)");
  bool peak = false, leaks = false, allocated = false, temporary = false, retained = false;
  group->add_flag("--peak", peak, "live at the heap's peak (default)");
  group->add_flag("--leaks", leaks, "alive when the program's own code ended");
  group->add_flag("--allocated", allocated, "everything allocated");
  group->add_flag("--temporary", temporary, "temporary allocations");
  group->add_flag("--retained", retained,
                  "what each object of a snapshot retains, along its dominator tree");
  group->require_option(0, 1);
  AddSnapshotOption(app, &spec.snapshot);
  app.add_option("--within", spec.within, "for --temporary: allocations allowed in between");
  app.add_flag("--count", spec.count, "widths by blocks instead of bytes (the page can switch)");
  if (const int status = Parse(app, args); status >= 0) return status;
  StackAnalysisKind kind = StackAnalysisKind::kPeak;
  if (leaks) kind = StackAnalysisKind::kLeaks;
  if (allocated) kind = StackAnalysisKind::kAllocated;
  if (temporary) kind = StackAnalysisKind::kTemporary;
  if (retained) kind = StackAnalysisKind::kRetained;
  spec.views = {kind};
  spec.threads = true;  // the retained view has no threads: it is left whole
  return WriteReportPage(app, options, spec);
}

}  // namespace arenatrace::cli
