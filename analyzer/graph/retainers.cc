#include "analyzer/graph/retainers.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace arenatrace::analyzer::graph {

std::vector<uint32_t> TypeNameKeys(const HeapGraph& graph) {
  std::vector<uint32_t> keys(graph.node_count());
  for (NodeIndex v = 0; v < graph.node_count(); ++v) keys[v] = graph.type_name(v);
  return keys;
}

std::vector<KeyRetention> TopRetainersByKey(const HeapGraph& graph, const DominatorTree& tree,
                                            std::span<const uint64_t> retained,
                                            std::span<const uint32_t> keys, size_t limit) {
  struct Totals {
    KeyRetention result;
    uint32_t open = 0;  // nodes of the key on the current dominator-tree path
  };
  // Keys are sparse (type name ids, allocation sites): each gets a dense slot.
  absl::flat_hash_map<uint32_t, uint32_t> slot_of;
  std::vector<Totals> totals;
  // A walk of the dominator tree in preorder: a subtree is a contiguous
  // range, so the open ancestors are a stack of (range end, slot), and a
  // node is topmost when no open ancestor has its key.
  struct Open {
    uint32_t end;
    uint32_t slot;
  };
  std::vector<Open> path;
  const std::span<const NodeIndex> order = tree.preorder();
  for (uint32_t p = 0; p < order.size(); ++p) {
    while (!path.empty() && path.back().end <= p) {
      --totals[path.back().slot].open;
      path.pop_back();
    }
    const NodeIndex v = order[p];
    const uint32_t key = keys[v];
    if (key == kNoKey) continue;
    auto [it, inserted] = slot_of.try_emplace(key, static_cast<uint32_t>(totals.size()));
    if (inserted) totals.push_back({.result = {.key = key}});
    Totals& t = totals[it->second];
    ++t.result.nodes;
    t.result.self_size += graph.self_size(v);
    if (t.open == 0) {
      ++t.result.topmost_nodes;
      t.result.retained_size += retained[v];
    }
    ++t.open;
    path.push_back({p + tree.subtree_size(v), it->second});
  }
  std::vector<KeyRetention> result;
  result.reserve(totals.size());
  for (const Totals& t : totals) result.push_back(t.result);
  auto better = [](const KeyRetention& a, const KeyRetention& b) {
    if (a.retained_size != b.retained_size) return a.retained_size > b.retained_size;
    return a.key < b.key;
  };
  limit = std::min(limit, result.size());
  std::partial_sort(result.begin(), result.begin() + limit, result.end(), better);
  result.resize(limit);
  return result;
}

std::vector<NodeRetention> TopNodesByRetainedSize(const DominatorTree& tree,
                                                  std::span<const uint64_t> retained,
                                                  size_t limit) {
  auto better = [](const NodeRetention& a, const NodeRetention& b) {
    if (a.retained_size != b.retained_size) return a.retained_size > b.retained_size;
    return a.node < b.node;
  };
  // A heap of the best `limit` so far, worst on top: O(n log limit), and
  // no copy of all n nodes.
  std::vector<NodeRetention> best;
  if (limit == 0) return best;
  for (NodeIndex v : tree.preorder()) {
    const NodeRetention candidate{v, retained[v]};
    if (best.size() < limit) {
      best.push_back(candidate);
      std::push_heap(best.begin(), best.end(), better);
    } else if (better(candidate, best.front())) {
      std::pop_heap(best.begin(), best.end(), better);
      best.back() = candidate;
      std::push_heap(best.begin(), best.end(), better);
    }
  }
  std::sort_heap(best.begin(), best.end(), better);
  return best;
}

}  // namespace arenatrace::analyzer::graph
