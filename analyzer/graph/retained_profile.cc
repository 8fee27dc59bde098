#include "analyzer/graph/retained_profile.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "analyzer/graph/dominators.h"
#include "analyzer/graph/node_description.h"
#include "analyzer/graph/retained_sizes.h"

namespace arenatrace::analyzer::graph {
namespace {

constexpr double kFoldedShare = 1e-6;

}  // namespace

StackProfile RetainedProfile(const SnapshotGraph& snapshot, const ReplayState& state) {
  const HeapGraph& graph = snapshot.graph;
  const uint32_t n_nodes = graph.node_count();
  const DominatorTree tree(graph);
  const std::vector<uint64_t> retained = RetainedSizes(graph, tree);
  const NodeIndex super_root = tree.super_root();
  StackProfile profile;
  profile.measure = absl::StrCat("retained at snapshot ", snapshot.index + 1,
                                 snapshot.info.label.empty() ? "" : " ", snapshot.info.label,
                                 ": each object's width is what freeing it would free");

  // The name of the edge from each node's dominator, where the dominator
  // refers to it directly under a name.
  std::vector<NameId> edge_name(n_nodes, kNoName);
  for (NodeIndex from = 0; from < n_nodes; ++from) {
    for (const Edge& edge : graph.out_edges(from)) {
      if (edge.name != kNoName && tree.idom(edge.target) == from)
        edge_name[edge.target] = edge.name;
    }
  }
  // The root naming each node the tree hangs from the super-root (named
  // roots come first in roots()).
  const NodeDescriber describe(snapshot, state, tree, retained);
  std::vector<const Root*> root_of(n_nodes, nullptr);
  for (const Root& root : graph.roots()) {
    if (root_of[root.node] == nullptr) root_of[root.node] = &root;
  }
  auto frame_of = [&](NodeIndex n) {
    ProfileFrame frame;
    const std::string type(graph.string(graph.type_name(n)));
    const NodeIndex d = tree.idom(n);
    if (d == super_root) {
      // Several roots hold it when none is its own: its type alone.
      if (root_of[n] == nullptr) {
        frame.function = type;
      } else if (root_of[n]->kind == RootKind::kExternal) {
        frame.function = absl::StrCat("held from outside the graph (", type, ")");
      } else {
        frame.function = absl::StrCat(describe.RootName(*root_of[n]), " (", type, ")");
      }
    } else if (edge_name[n] != kNoName) {
      frame.function = absl::StrCat(std::string(graph.string(edge_name[n])), " (", type, ")");
    } else {
      frame.function = type;
    }
    const NodeOrigin& origin = snapshot.origins[n];
    if (origin.seq != 0) {
      const FrameInfo& site = state.symbols.frame(state.symbols.Site(origin.stack));
      frame.file = state.symbols.code(site.code).file;
      frame.line = site.line;
      frame.first_line = state.symbols.code(site.code).first_line;
    }
    return frame;
  };

  const double folded_below = static_cast<double>(retained[super_root]) * kFoldedShare;
  // Each node's profile node; in preorder a node's dominator comes first.
  std::vector<uint32_t> profile_node(n_nodes + 1, 0);
  std::vector<uint32_t> frame_index(n_nodes, UINT32_MAX);
  for (NodeIndex n : tree.preorder()) {
    const NodeIndex d = tree.idom(n);
    const uint32_t parent = profile_node[d];
    uint32_t node = parent;
    if (d == super_root || static_cast<double>(retained[n]) >= folded_below) {
      frame_index[n] = profile.InternFrame(frame_of(n));
      const bool same_as_dominator = d != super_root && frame_index[d] == frame_index[n];
      if (!same_as_dominator) node = profile.Child(parent, frame_index[n]);
    } else if (d != super_root) {
      frame_index[n] = frame_index[d];
    }
    profile_node[n] = node;
    profile.AddSelf(node, {static_cast<int64_t>(graph.self_size(n)), 1, 0, 0});
  }
  return profile;
}

}  // namespace arenatrace::analyzer::graph
