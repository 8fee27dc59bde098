#include "analyzer/graph/heap_graph.h"

#include <algorithm>
#include <utility>

#include "absl/strings/string_view.h"

namespace arenatrace::analyzer::graph {

HeapGraphBuilder::HeapGraphBuilder() { names_.emplace("", kNoName); }

NameId HeapGraphBuilder::Intern(std::string_view text) {
  // Abseil as Debian builds it has its own string_view.
  if (auto it = names_.find(absl::string_view(text.data(), text.size())); it != names_.end()) {
    return it->second;
  }
  const auto id = static_cast<NameId>(graph_.strings_.size());
  graph_.strings_.emplace_back(text);
  names_.emplace(graph_.strings_.back(), id);
  return id;
}

NodeIndex HeapGraphBuilder::AddNode(uint64_t address, NameId type_name, uint64_t self_size,
                                    int64_t refcount, bool gc_tracked) {
  const auto n = static_cast<NodeIndex>(graph_.address_.size());
  graph_.address_.push_back(address);
  graph_.type_name_.push_back(type_name);
  graph_.self_size_.push_back(self_size);
  graph_.refcount_.push_back(refcount);
  graph_.tracked_.push_back(gc_tracked ? 1 : 0);
  return n;
}

void HeapGraphBuilder::AddEdge(NodeIndex from, NodeIndex to, NameId name) {
  pending_.push_back({from, to, name});
}

void HeapGraphBuilder::AddRoot(NodeIndex node, RootKind kind, NameId name) {
  graph_.roots_.push_back({node, kind, name});
}

HeapGraph HeapGraphBuilder::Finish() && {
  HeapGraph g = std::move(graph_);
  const uint32_t n = g.node_count();
  const auto name_count = static_cast<NameId>(g.strings_.size());

  // Counting sort of the edges by source: two passes, no per-node vectors.
  // The offsets are 32-bit; a graph beyond 2^32 - 1 edges keeps the first ones.
  g.edge_offsets_.assign(static_cast<size_t>(n) + 1, 0);
  g.tracked_referrers_.assign(n, 0);
  size_t kept = 0;
  auto valid = [&](const PendingEdge& e) { return e.from < n && e.to < n; };
  for (const PendingEdge& e : pending_) {
    if (!valid(e) || kept == UINT32_MAX) continue;
    ++kept;
    ++g.edge_offsets_[e.from + 1];
    if (g.tracked_[e.from]) ++g.tracked_referrers_[e.to];
  }
  g.dropped_edges_ = pending_.size() - kept;
  for (uint32_t i = 0; i < n; ++i) g.edge_offsets_[i + 1] += g.edge_offsets_[i];
  g.edges_.resize(kept);
  {
    // Each node's next free slot; the offsets themselves stay as they are.
    std::vector<uint32_t> next(g.edge_offsets_.begin(), g.edge_offsets_.end() - 1);
    size_t placed = 0;
    for (const PendingEdge& e : pending_) {
      if (!valid(e) || placed == kept) continue;
      ++placed;
      g.edges_[next[e.from]++] = {e.to, e.name < name_count ? e.name : kNoName};
    }
  }
  std::vector<PendingEdge>().swap(pending_);

  std::erase_if(g.roots_, [&](const Root& r) {
    const bool bad = r.node >= n;
    if (bad) ++g.dropped_roots_;
    return bad;
  });
  for (Root& r : g.roots_) {
    if (r.name >= name_count) r.name = kNoName;
  }
  for (NodeIndex i = 0; i < n; ++i) {
    if (g.ExternalReferences(i) > 0) g.roots_.push_back({i, RootKind::kExternal, kNoName});
  }

  // Captures usually walk memory in address order: then no index is needed.
  if (!std::is_sorted(g.address_.begin(), g.address_.end())) {
    std::vector<std::pair<uint64_t, NodeIndex>> pairs(n);
    for (NodeIndex i = 0; i < n; ++i) pairs[i] = {g.address_[i], i};
    std::sort(pairs.begin(), pairs.end());
    g.by_address_.resize(n);
    for (NodeIndex i = 0; i < n; ++i) g.by_address_[i] = pairs[i].second;
  }
  names_.clear();
  return g;
}

NodeIndex HeapGraph::FindByAddress(uint64_t address) const {
  if (by_address_.empty()) {
    auto it = std::lower_bound(address_.begin(), address_.end(), address);
    if (it == address_.end() || *it != address) return kNoNode;
    return static_cast<NodeIndex>(it - address_.begin());
  }
  auto it = std::lower_bound(by_address_.begin(), by_address_.end(), address,
                             [&](NodeIndex n, uint64_t a) { return address_[n] < a; });
  if (it == by_address_.end() || address_[*it] != address) return kNoNode;
  return *it;
}

InEdges::InEdges(const HeapGraph& graph) {
  const uint32_t n = graph.node_count();
  offsets_.assign(static_cast<size_t>(n) + 1, 0);
  for (NodeIndex v = 0; v < n; ++v) {
    for (const Edge& e : graph.out_edges(v)) ++offsets_[e.target + 1];
  }
  for (uint32_t i = 0; i < n; ++i) offsets_[i + 1] += offsets_[i];
  edges_.resize(graph.edge_count());
  std::vector<uint32_t> next(offsets_.begin(), offsets_.end() - 1);
  for (NodeIndex v = 0; v < n; ++v) {
    for (const Edge& e : graph.out_edges(v)) edges_[next[e.target]++] = {v, e.name};
  }
}

}  // namespace arenatrace::analyzer::graph
