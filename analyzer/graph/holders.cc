#include "analyzer/graph/holders.h"

#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace arenatrace::analyzer::graph {

std::vector<uint32_t> NodeSites(const SnapshotGraph& snapshot, const ReplayState& state) {
  std::vector<uint32_t> sites(snapshot.graph.node_count(), kUnrecordedSite);
  for (NodeIndex n = 0; n < sites.size(); ++n) {
    const NodeOrigin& origin = snapshot.origins[n];
    if (origin.seq != 0) sites[n] = state.symbols.Site(origin.stack).value();
  }
  return sites;
}

Holders::Holders(const SnapshotGraph& snapshot, const DominatorTree& tree,
                 std::span<const uint64_t> retained, std::span<const uint32_t> sites,
                 const NodeDescriber& describe)
    : snapshot_(snapshot),
      tree_(tree),
      retained_(retained),
      describe_(describe),
      sites_(sites),
      holder_(snapshot.graph.node_count() + 1, tree.super_root()),
      paths_(snapshot.graph) {
  // In preorder a node's dominator has its holder already.
  const NodeIndex super_root = tree.super_root();
  for (NodeIndex n : tree.preorder()) {
    const NodeIndex d = tree.idom(n);
    holder_[n] = (d == super_root || sites[d] != sites[n]) ? d : holder_[d];
  }
}

HolderSummary Holders::MainHolder(std::span<const NodeIndex> nodes) const {
  const HeapGraph& graph = snapshot_.graph;
  const NodeIndex super_root = tree_.super_root();
  struct Group {
    uint64_t objects = 0;
    uint64_t bytes = 0;
    absl::flat_hash_set<NodeIndex> holders;
    NodeIndex example = kNoNode;  // the held object retaining the most
  };
  absl::flat_hash_map<std::pair<NameId, uint32_t>, Group> groups;
  for (NodeIndex n : nodes) {
    if (!tree_.reachable(n)) continue;
    const NodeIndex h = holder_[n];
    const std::pair<NameId, uint32_t> key =
        h == super_root ? std::pair<NameId, uint32_t>{kNoName, kUnrecordedSite}
                        : std::pair<NameId, uint32_t>{graph.type_name(h), sites_[h]};
    Group& group = groups[key];
    ++group.objects;
    group.bytes += graph.self_size(n);
    group.holders.insert(h);
    if (group.example == kNoNode || retained_[n] > retained_[group.example]) group.example = n;
  }
  HolderSummary summary;
  if (groups.empty()) return summary;
  const Group* best = nullptr;
  for (const auto& [key, group] : groups) {
    if (best == nullptr ||
        std::tie(group.bytes, group.objects) > std::tie(best->bytes, best->objects)) {
      best = &group;
    }
  }
  summary.held = true;
  summary.objects = best->objects;
  summary.bytes = best->bytes;
  summary.holders = best->holders.size();
  const NodeIndex h = holder_[best->example];
  if (h != super_root) {
    summary.holder_type = std::string(graph.string(graph.type_name(h)));
    summary.holder_site = describe_.Site(h);
  }
  summary.path = describe_.Path(paths_.PathTo(best->example));
  return summary;
}

}  // namespace arenatrace::analyzer::graph
