#include "analyzer/graph/retention_paths.h"

#include <algorithm>
#include <utility>

namespace arenatrace::analyzer::graph {

RetentionPaths::RetentionPaths(const HeapGraph& graph) : graph_(&graph) {
  const uint32_t n = graph.node_count();
  depth_.assign(n, kNoNode);
  hops_.assign(n, kNoNode);
  cost_.assign(n, 0);
  parent_.assign(n, kNoNode);
  via_.assign(n, 0);
  std::vector<NodeIndex> layer;
  std::vector<NodeIndex> external;  // roots only the refcount test finds, entering later
  const std::span<const Root> roots = graph.roots();
  for (uint32_t i = 0; i < roots.size(); ++i) {
    const NodeIndex v = roots[i].node;
    if (roots[i].kind == RootKind::kExternal) {
      external.push_back(i);
      continue;
    }
    if (depth_[v] == kNoNode) {
      depth_[v] = 0;
      hops_[v] = 0;
      via_[v] = i;
      layer.push_back(v);
    }
  }
  // Layer by layer: every node of a layer has its final cost before the
  // next layer is expanded, so a plain relaxation is exact, with no heap.
  std::vector<NodeIndex> next;
  for (uint32_t depth = 0; !layer.empty() || depth <= kExternalRootDepth; ++depth) {
    if (depth == kExternalRootDepth) {
      for (uint32_t i : external) {
        const NodeIndex v = roots[i].node;
        if (depth_[v] != kNoNode && depth_[v] < depth) continue;
        if (depth_[v] == kNoNode) {
          depth_[v] = depth;
          layer.push_back(v);
        } else if (cost_[v] <= 1) {
          continue;
        }
        hops_[v] = 0;
        cost_[v] = 1;
        parent_[v] = kNoNode;
        via_[v] = i;
      }
    }
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
        hops_[v] = hops_[u] + 1;
        via_[v] = e.name;
      }
    }
    std::swap(layer, next);
  }
}

RetentionPath RetentionPaths::PathTo(NodeIndex target) const {
  RetentionPath path;
  if (target >= depth_.size() || depth_[target] == kNoNode) return path;
  path.hops.resize(static_cast<size_t>(hops_[target]) + 1);
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
