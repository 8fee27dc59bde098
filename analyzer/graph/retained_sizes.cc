#include "analyzer/graph/retained_sizes.h"

namespace arenatrace::analyzer::graph {

std::vector<uint64_t> RetainedSizes(const HeapGraph& graph, const DominatorTree& tree) {
  std::vector<uint64_t> retained(static_cast<size_t>(graph.node_count()) + 1, 0);
  const std::span<const NodeIndex> order = tree.preorder();
  for (NodeIndex v : order) retained[v] = graph.self_size(v);
  // Reverse preorder visits every node after all the nodes it dominates, so
  // each subtree is complete when it is added to its dominator.
  for (size_t i = order.size(); i-- > 0;) {
    const NodeIndex v = order[i];
    retained[tree.idom(v)] += retained[v];
  }
  return retained;
}

}  // namespace arenatrace::analyzer::graph
