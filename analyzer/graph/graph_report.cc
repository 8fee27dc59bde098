#include "analyzer/graph/graph_report.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analyzer/graph/dominators.h"
#include "analyzer/graph/node_description.h"
#include "analyzer/graph/retained_sizes.h"
#include "analyzer/graph/retainers.h"
#include "analyzer/graph/retention_paths.h"
#include "analyzer/graph/unreachable.h"

namespace arenatrace::analyzer::graph {
namespace {

// "Entry" matches "app.Entry" and "Entry"; "app.Entry" only itself.
bool TypeMatches(absl::string_view type, absl::string_view wanted) {
  if (type == wanted) return true;
  return type.size() > wanted.size() && absl::EndsWith(type, wanted) &&
         type[type.size() - wanted.size() - 1] == '.';
}

// "file:line" (the file a path suffix) or "file".
bool SiteMatches(const ReplayState& state, const NodeOrigin& origin, absl::string_view wanted) {
  if (origin.seq == 0) return false;
  const FrameId frame = state.symbols.Site(origin.stack);
  const FrameInfo& info = state.symbols.frame(frame);
  const std::string& file = state.symbols.code(info.code).file;
  absl::string_view file_part = wanted;
  uint32_t line = 0;
  if (const size_t colon = wanted.rfind(':'); colon != absl::string_view::npos) {
    if (absl::SimpleAtoi(wanted.substr(colon + 1), &line)) file_part = wanted.substr(0, colon);
  }
  if (line != 0 && info.line != line) return false;
  return file == file_part ||
         (absl::EndsWith(file, file_part) && file[file.size() - file_part.size() - 1] == '/');
}

}  // namespace

GraphReport BuildGraphReport(const SnapshotGraph& snapshot, size_t snapshots_in_trace,
                             const ReplayState& state, const GraphQuery& query) {
  const HeapGraph& graph = snapshot.graph;
  const DominatorTree tree(graph);
  const std::vector<uint64_t> retained = RetainedSizes(graph, tree);
  const NodeDescriber describe(snapshot, state, tree, retained);
  GraphReport report;
  report.snapshot = snapshot.info;
  report.snapshot_index = snapshot.index;
  report.snapshots_in_trace = snapshots_in_trace;
  report.nodes = graph.node_count();
  report.edges = graph.edge_count();
  report.reachable_nodes = tree.reachable_count();
  for (NodeIndex n = 0; n < graph.node_count(); ++n) report.total_size += graph.self_size(n);
  for (const Root& root : graph.roots()) {
    ++(root.kind == RootKind::kExternal ? report.external_roots : report.named_roots);
  }
  for (NodeIndex n : UnreachableNodes(graph, tree)) {
    ++report.unreachable_tracked;
    report.unreachable_size += graph.self_size(n);
  }

  for (const NodeRetention& row : TopNodesByRetainedSize(tree, retained, query.top)) {
    report.top_objects.push_back(describe.Node(row.node));
  }
  const std::vector<uint32_t> type_keys = TypeNameKeys(graph);
  for (const KeyRetention& row : TopRetainersByKey(graph, tree, retained, type_keys, query.top)) {
    report.by_type.push_back({std::string(graph.string(row.key)), row.retained_size, row.nodes,
                              row.topmost_nodes, row.self_size});
  }
  // Allocation sites as keys: the frame id of each node's block's stack.
  std::vector<uint32_t> site_keys(graph.node_count(), kNoKey);  // unrecorded: left out
  for (NodeIndex n = 0; n < graph.node_count(); ++n) {
    const NodeOrigin& origin = snapshot.origins[n];
    if (origin.seq != 0) site_keys[n] = state.symbols.Site(origin.stack).value();
  }
  for (const KeyRetention& row : TopRetainersByKey(graph, tree, retained, site_keys, query.top)) {
    report.by_site.push_back({state.symbols.SiteName(FrameId(row.key)), row.retained_size,
                              row.nodes, row.topmost_nodes, row.self_size});
  }

  if (!query.asked()) return report;
  std::vector<std::string> asked;
  if (!query.type.empty()) asked.push_back(absl::StrCat("type ", query.type));
  if (!query.site.empty()) asked.push_back(absl::StrCat("allocated at ", query.site));
  if (query.address != 0) asked.push_back(absl::StrCat("at 0x", absl::Hex(query.address)));
  report.query = absl::StrJoin(asked, ", ");
  std::vector<NodeIndex> matches;
  for (NodeIndex n = 0; n < graph.node_count(); ++n) {
    if (query.address != 0 && graph.address(n) != query.address) continue;
    const std::string_view type = graph.string(graph.type_name(n));
    if (!query.type.empty() &&
        !TypeMatches(absl::string_view(type.data(), type.size()), query.type)) {
      continue;
    }
    if (!query.site.empty() && !SiteMatches(state, snapshot.origins[n], query.site)) continue;
    matches.push_back(n);
    report.matched_self_size += graph.self_size(n);
    if (!tree.reachable(n)) ++report.matched_unreachable;
  }
  report.matched = matches.size();
  // The paths of the objects that keep the most alive; among equals, the
  // first found.
  std::stable_sort(matches.begin(), matches.end(), [&](NodeIndex a, NodeIndex b) {
    const uint64_t ra = tree.reachable(a) ? retained[a] : 0;
    const uint64_t rb = tree.reachable(b) ? retained[b] : 0;
    return ra > rb;
  });
  const RetentionPaths paths(graph);
  for (NodeIndex n : matches) {
    if (report.paths.size() >= query.paths) break;
    const RetentionPath path = paths.PathTo(n);
    if (!path.found()) continue;
    report.paths.push_back(describe.Path(path));
  }
  return report;
}

}  // namespace arenatrace::analyzer::graph
