// `arenatrace graph`: who keeps what alive, from a snapshot of the object graph.
#include <memory>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "analyzer/cli/commands.h"
#include "analyzer/cli/common.h"
#include "analyzer/cli/snapshot_loading.h"
#include "analyzer/graph/graph_report.h"
#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/model/text.h"
#include "analyzer/render/graph_report.h"
#include "analyzer/render/text_report.h"

namespace arenatrace::cli {

int GraphCommand(const std::vector<std::string>& args) {
  CLI::App app(
      "Who keeps what alive, from a snapshot of the object graph (taken when finalisation starts, "
      "on arenatrace.snapshot() and on the snapshot signal): the objects, types and allocation "
      "sites that retain the most, and for the objects asked about (--type, --site, --address) "
      "the shortest retention paths from the roots, each hop with the name of its edge and its "
      "allocation site.",
      "arenatrace graph");
  CommonOptions options;
  AddCommonOptions(app, &options, kTraceArgument | kSelectionOptions | kJsonOption | kOutputOption);
  app.add_option("--top", options.top, "rows of each list (default 20)");
  analyzer::graph::GraphQuery query;
  std::string address;
  std::string snapshot;
  bool dot = false;
  app.add_option("--type", query.type, "objects of this type (Entry, or module.Entry)");
  app.add_option("--site", query.site, "objects allocated at FILE:LINE or in FILE");
  app.add_option("--address", address, "the object at this address (0x...)");
  app.add_option("--paths", query.paths, "retention paths shown (default 3)");
  AddSnapshotOption(app, &snapshot);
  app.add_flag("--dot", dot, "write the retention paths as a Graphviz digraph");
  if (const int status = Parse(app, args); status >= 0) return status;
  query.top = options.top;
  if (!address.empty() && !absl::SimpleHexAtoi(absl::StripPrefix(address, "0x"), &query.address)) {
    return Fail("arenatrace graph",
                absl::StrCat("--address takes a hexadecimal address, not '",
                             analyzer::Printable(address), "'"),
                kUsage);
  }
  if (dot && options.json) {
    return Fail("arenatrace graph", "--dot and --json exclude each other", kUsage);
  }
  LoadedSnapshot loaded;
  if (const int status = LoadSnapshot(app, options, snapshot, &loaded); status >= 0) {
    return status;
  }
  const analyzer::ReplayState& state = loaded.state();
  const size_t index = loaded.index;
  const analyzer::graph::GraphReport report = analyzer::graph::BuildGraphReport(
      loaded.snapshot(), loaded.snapshots_in_trace(), state, query);
  std::string out;
  if (dot) {
    out = analyzer::GraphPathsDot(report);
  } else if (options.json) {
    nlohmann::json process = ProcessJson(loaded.loaded.run.traces[index], &state);
    process["graph"] = analyzer::GraphReportJson(report);
    out = JsonText({{"command", "graph"},
                    {"trace", options.trace},
                    {"processes", nlohmann::json::array({process})},
                    {"run_warnings", loaded.loaded.run.warnings}});
  } else {
    out = absl::StrCat("arenatrace graph of ", analyzer::Printable(options.trace), "\n\n",
                       ProcessHeadingText(loaded.loaded.run.traces[index], state),
                       analyzer::GraphReportText(report));
  }
  if (!WriteOutput(options, out)) return kUnreadable;
  return FinishWithStatus({&loaded.replay}, loaded.loaded.run);
}

}  // namespace arenatrace::cli
