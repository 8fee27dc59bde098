#include "analyzer/graph/unreachable.h"

#include <algorithm>

namespace arenatrace::analyzer::graph {

std::vector<NodeIndex> UnreachableNodes(const HeapGraph& graph, const DominatorTree& tree,
                                        bool include_untracked) {
  std::vector<NodeIndex> nodes;
  for (NodeIndex v = 0; v < graph.node_count(); ++v) {
    if (!tree.reachable(v) && (include_untracked || graph.tracked(v))) nodes.push_back(v);
  }
  return nodes;
}

std::vector<std::vector<NodeIndex>> Cycles(const HeapGraph& graph,
                                           const std::vector<NodeIndex>& nodes) {
  // Tarjan's algorithm on local numbers, with an explicit call stack (a
  // garbage linked list can be as deep as the heap).
  const auto count = static_cast<uint32_t>(nodes.size());
  std::vector<uint32_t> local(graph.node_count(), kNoNode);
  for (uint32_t i = 0; i < count; ++i) local[nodes[i]] = i;
  std::vector<uint32_t> index(count, kNoNode);
  std::vector<uint32_t> low(count, 0);
  std::vector<uint8_t> on_stack(count, 0);
  std::vector<uint32_t> component_stack;
  struct Frame {
    uint32_t v;
    uint32_t next;
  };
  std::vector<Frame> calls;
  std::vector<std::vector<NodeIndex>> cycles;
  uint32_t counter = 0;
  auto enter = [&](uint32_t v) {
    index[v] = low[v] = counter++;
    component_stack.push_back(v);
    on_stack[v] = 1;
    calls.push_back({v, 0});
  };
  for (uint32_t start = 0; start < count; ++start) {
    if (index[start] != kNoNode) continue;
    enter(start);
    while (!calls.empty()) {
      Frame& top = calls.back();
      const uint32_t v = top.v;
      const std::span<const Edge> edges = graph.out_edges(nodes[v]);
      if (top.next < edges.size()) {
        const uint32_t w = local[edges[top.next++].target];
        if (w == kNoNode) continue;
        if (index[w] == kNoNode) {
          enter(w);
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      calls.pop_back();
      if (!calls.empty()) low[calls.back().v] = std::min(low[calls.back().v], low[v]);
      if (low[v] != index[v]) continue;
      std::vector<NodeIndex> component;
      uint32_t w;
      do {
        w = component_stack.back();
        component_stack.pop_back();
        on_stack[w] = 0;
        component.push_back(nodes[w]);
      } while (w != v);
      if (component.size() == 1) {
        const NodeIndex only = component[0];
        const std::span<const Edge> own = graph.out_edges(only);
        if (std::none_of(own.begin(), own.end(), [&](const Edge& e) { return e.target == only; })) {
          continue;
        }
      }
      std::sort(component.begin(), component.end());
      cycles.push_back(std::move(component));
    }
  }
  std::sort(cycles.begin(), cycles.end(), [](const auto& a, const auto& b) {
    if (a.size() != b.size()) return a.size() > b.size();
    return a[0] < b[0];
  });
  return cycles;
}

}  // namespace arenatrace::analyzer::graph
