#include "analyzer/graph/snapshot_diff.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "analyzer/graph/dominators.h"
#include "analyzer/graph/node_description.h"
#include "analyzer/graph/retained_sizes.h"

namespace arenatrace::analyzer::graph {
namespace {

using RowKey = std::pair<std::string, std::string>;  // type, site

std::string SiteOf(const SnapshotSide& side, NodeIndex n) {
  const NodeOrigin& origin = side.snapshot->origins[n];
  if (origin.seq == 0) return "";
  return side.state->symbols.SiteName(side.state->symbols.Site(origin.stack));
}

// One name per (type name, site) of a side, without a string per node.
class Keys {
 public:
  explicit Keys(const SnapshotSide& side)
      : side_(side), sites_(NodeSites(*side.snapshot, *side.state)) {}
  RowKey Of(NodeIndex n) {
    const HeapGraph& graph = side_.snapshot->graph;
    const std::pair<NameId, uint32_t> id{graph.type_name(n), sites_[n]};
    auto [it, inserted] = keys_.try_emplace(id);
    if (inserted) it->second = {std::string(graph.string(id.first)), SiteOf(side_, n)};
    return it->second;
  }
  const std::vector<uint32_t>& sites() const { return sites_; }

 private:
  const SnapshotSide& side_;
  std::vector<uint32_t> sites_;
  absl::flat_hash_map<std::pair<NameId, uint32_t>, RowKey> keys_;
};

}  // namespace

SnapshotDiff DiffSnapshots(SnapshotSide a, SnapshotSide b, bool same_trace, size_t top) {
  SnapshotDiff diff;
  diff.same_trace = same_trace;
  diff.a_info = a.snapshot->info;
  diff.b_info = b.snapshot->info;
  diff.a_index = a.snapshot->index;
  diff.b_index = b.snapshot->index;
  const HeapGraph& ga = a.snapshot->graph;
  const HeapGraph& gb = b.snapshot->graph;

  // Identity: the allocation number of the block (recorded objects only).
  absl::flat_hash_set<uint64_t> in_a, in_b;
  if (same_trace) {
    for (const NodeOrigin& origin : a.snapshot->origins) {
      if (origin.seq != 0) in_a.insert(origin.seq);
    }
    for (const NodeOrigin& origin : b.snapshot->origins) {
      if (origin.seq != 0) in_b.insert(origin.seq);
    }
  }
  absl::flat_hash_map<RowKey, SnapshotDiffRow> rows;
  Keys a_keys(a), b_keys(b);
  for (NodeIndex n = 0; n < ga.node_count(); ++n) {
    ++diff.a_objects;
    diff.a_bytes += ga.self_size(n);
    SnapshotDiffRow& row = rows[a_keys.Of(n)];
    ++row.a_objects;
    row.a_bytes += ga.self_size(n);
    const uint64_t seq = a.snapshot->origins[n].seq;
    if (same_trace && seq != 0 && !in_b.contains(seq)) {
      ++diff.gone_objects;
      diff.gone_bytes += ga.self_size(n);
    }
  }
  std::vector<uint8_t> is_new(gb.node_count(), 0);
  for (NodeIndex n = 0; n < gb.node_count(); ++n) {
    ++diff.b_objects;
    diff.b_bytes += gb.self_size(n);
    SnapshotDiffRow& row = rows[b_keys.Of(n)];
    ++row.b_objects;
    row.b_bytes += gb.self_size(n);
    const uint64_t seq = b.snapshot->origins[n].seq;
    if (same_trace && seq != 0 && !in_a.contains(seq)) {
      is_new[n] = 1;
      ++row.new_objects;
      row.new_bytes += gb.self_size(n);
      ++diff.new_objects;
      diff.new_bytes += gb.self_size(n);
    }
  }
  for (auto& [key, row] : rows) {
    row.type = key.first;
    row.site = key.second;
    if (row.change() != 0 || row.new_objects != 0) diff.rows.push_back(std::move(row));
  }
  std::sort(diff.rows.begin(), diff.rows.end(),
            [](const SnapshotDiffRow& x, const SnapshotDiffRow& y) {
              if (std::llabs(x.change()) != std::llabs(y.change())) {
                return std::llabs(x.change()) > std::llabs(y.change());
              }
              if (x.new_bytes != y.new_bytes) return x.new_bytes > y.new_bytes;
              return std::tie(x.type, x.site) < std::tie(y.type, y.site);
            });
  if (diff.rows.size() > top) diff.rows.resize(top);

  // Who holds what grew, in the second snapshot.
  absl::flat_hash_map<RowKey, size_t> shown;
  for (size_t i = 0; i < diff.rows.size(); ++i) {
    if (diff.rows[i].change() > 0 || diff.rows[i].new_objects > 0) {
      shown.try_emplace(RowKey{diff.rows[i].type, diff.rows[i].site}, i);
    }
  }
  if (shown.empty()) return diff;
  std::vector<std::vector<NodeIndex>> held(diff.rows.size());
  for (NodeIndex n = 0; n < gb.node_count(); ++n) {
    if (same_trace && !is_new[n]) continue;
    auto it = shown.find(b_keys.Of(n));
    if (it != shown.end()) held[it->second].push_back(n);
  }
  const DominatorTree tree(gb);
  const std::vector<uint64_t> retained = RetainedSizes(gb, tree);
  const NodeDescriber describe(*b.snapshot, *b.state, tree, retained);
  const Holders holders(*b.snapshot, tree, retained, b_keys.sites(), describe);
  for (size_t i = 0; i < diff.rows.size(); ++i) {
    if (!held[i].empty()) diff.rows[i].held_by = holders.MainHolder(held[i]);
  }
  return diff;
}

}  // namespace arenatrace::analyzer::graph
