#include "analyzer/graph/retention_paths.h"

#include <algorithm>
#include <utility>

namespace arenatrace::analyzer::graph {

RetentionPaths::RetentionPaths(const HeapGraph& graph) : graph_(&graph) {
  const uint32_t n = graph.node_count();
  depth_.assign(n, kNoNode);
  cost_.assign(n, 0);
  parent_.assign(n, kNoNode);
  via_.assign(n, 0);
  std::vector<NodeIndex> layer;
  const std::span<const Root> roots = graph.roots();
  for (uint32_t i = 0; i < roots.size(); ++i) {
    const NodeIndex v = roots[i].node;
    const uint32_t cost = roots[i].kind == RootKind::kExternal ? 1 : 0;
    if (depth_[v] == kNoNode) {
      depth_[v] = 0;
      cost_[v] = cost;
      via_[v] = i;
      layer.push_back(v);
    } else if (cost < cost_[v]) {
      cost_[v] = cost;
      via_[v] = i;
    }
  }
  // Layer by layer: every node of a layer has its final cost before the
  // next layer is expanded, so a plain relaxation is exact, with no heap.
  std::vector<NodeIndex> next;
  for (uint32_t depth = 0; !layer.empty(); ++depth) {
    next.clear();
    for (NodeIndex u : layer) {
      for (const Edge& e : graph.out_edges(u)) {
        const NodeIndex v = e.target;
        const uint32_t cost = cost_[u] + (e.name == kNoName ? 2 : 0);
        if (depth_[v] == kNoNode) {
          depth_[v] = depth + 1;
          next.push_back(v);
        } else if (depth_[v] != depth + 1 || cost >= cost_[v]) {
          continue;
        }
        cost_[v] = cost;
        parent_[v] = u;
        via_[v] = e.name;
      }
    }
    std::swap(layer, next);
  }
}

RetentionPath RetentionPaths::PathTo(NodeIndex target) const {
  RetentionPath path;
  if (target >= depth_.size() || depth_[target] == kNoNode) return path;
  path.hops.resize(static_cast<size_t>(depth_[target]) + 1);
  NodeIndex v = target;
  for (size_t i = path.hops.size(); i-- > 1;) {
    path.hops[i] = {v, via_[v]};
    v = parent_[v];
  }
  path.hops[0] = {v, kNoName};
  path.root = graph_->roots()[via_[v]];
  return path;
}

}  // namespace arenatrace::analyzer::graph
