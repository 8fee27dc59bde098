#include "analyzer/graph/leak_evidence.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analyzer/graph/dominators.h"
#include "analyzer/graph/retained_sizes.h"
#include "analyzer/graph/unreachable.h"
#include "analyzer/replay/block.h"
#include "core/trace/records.h"

namespace arenatrace::analyzer::graph {
namespace {

constexpr size_t kTypesNamed = 3;

// Made by the program's own code: recorded, neither at start-up nor in teardown.
bool ProgramMade(const NodeOrigin& origin) {
  return origin.seq != 0 && !(origin.block_flags & (kStartup | kTeardown));
}

}  // namespace

LeakEvidence BuildLeakEvidence(const SnapshotGraph& snapshot, size_t snapshots_in_trace,
                               const ReplayState& state, std::span<const FrameId> sites,
                               size_t top) {
  const HeapGraph& graph = snapshot.graph;
  const uint32_t n_nodes = graph.node_count();
  const DominatorTree tree(graph);
  const std::vector<uint64_t> retained = RetainedSizes(graph, tree);
  const NodeDescriber describe(snapshot, state, tree, retained);
  LeakEvidence evidence;
  evidence.snapshot = snapshot.info;
  evidence.snapshot_index = snapshot.index;
  evidence.snapshots_in_trace = snapshots_in_trace;

  const std::vector<uint32_t> site_of = NodeSites(snapshot, state);

  // Hidden references: what the collector's own test leaves unexplained,
  // less one reference per frame local naming the object (frames are not
  // objects of the graph from 3.11 on).
  std::vector<uint32_t> frame_references(n_nodes, 0);
  for (const Root& root : graph.roots()) {
    if (root.kind == RootKind::kThreadFrame) ++frame_references[root.node];
  }
  std::vector<int64_t> unexplained(n_nodes, 0);
  absl::flat_hash_map<std::pair<NameId, uint32_t>, HiddenReferenceGroup> hidden;
  for (NodeIndex n = 0; n < n_nodes; ++n) {
    if (!graph.tracked(n) || (snapshot.object_flags[n] & trace::kObjectImmortal) ||
        !ProgramMade(snapshot.origins[n])) {
      continue;
    }
    unexplained[n] = graph.ExternalReferences(n) - frame_references[n];
    if (unexplained[n] <= 0) continue;
    if (absl::StartsWith(state.symbols.code_of(FrameId(site_of[n])).file, "<frozen importlib")) {
      ++evidence.hidden_at_import;
      continue;
    }
    HiddenReferenceGroup& group = hidden[{graph.type_name(n), site_of[n]}];
    group.type = std::string(graph.string(graph.type_name(n)));
    group.site = FrameId(site_of[n]);
    ++group.objects;
    group.references += static_cast<uint64_t>(unexplained[n]);
    group.bytes += graph.self_size(n);
  }
  for (auto& [key, group] : hidden) {
    group.site_name = state.symbols.SiteName(group.site);
    evidence.hidden.push_back(std::move(group));
  }
  std::sort(evidence.hidden.begin(), evidence.hidden.end(), [](const auto& a, const auto& b) {
    return std::tie(b.objects, b.bytes, a.type) < std::tie(a.objects, a.bytes, b.type);
  });
  if (evidence.hidden.size() > top) evidence.hidden.resize(top);

  // Cyclic garbage.
  const std::vector<NodeIndex> garbage = UnreachableNodes(graph, tree);
  std::vector<uint8_t> unreachable(n_nodes, 0);
  absl::flat_hash_map<uint32_t, CyclicGarbageGroup> cyclic;
  absl::flat_hash_map<uint32_t, absl::flat_hash_map<NameId, uint64_t>> cyclic_types;
  for (NodeIndex n : garbage) {
    unreachable[n] = 1;
    if (!ProgramMade(snapshot.origins[n])) continue;
    CyclicGarbageGroup& group = cyclic[site_of[n]];
    group.site = FrameId(site_of[n]);
    ++group.objects;
    group.bytes += graph.self_size(n);
    ++cyclic_types[site_of[n]][graph.type_name(n)];
  }
  for (auto& [site, group] : cyclic) {
    std::vector<std::pair<uint64_t, NameId>> types;
    for (const auto& [type, count] : cyclic_types[site]) types.push_back({count, type});
    std::sort(types.begin(), types.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<std::string> named;
    for (size_t i = 0; i < types.size() && i < kTypesNamed; ++i) {
      named.push_back(
          absl::StrCat(std::string(graph.string(types[i].second)), " x", types[i].first));
    }
    if (types.size() > kTypesNamed) named.push_back("...");
    group.types = absl::StrJoin(named, ", ");
    group.site_name = state.symbols.SiteName(group.site);
    evidence.cyclic.push_back(std::move(group));
  }
  std::sort(evidence.cyclic.begin(), evidence.cyclic.end(), [](const auto& a, const auto& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.site.value() < b.site.value();
  });
  if (evidence.cyclic.size() > top) evidence.cyclic.resize(top);

  if (sites.empty()) return evidence;
  absl::flat_hash_map<uint32_t, std::vector<NodeIndex>> wanted;
  for (FrameId site : sites) wanted.try_emplace(site.value());
  for (NodeIndex n = 0; n < n_nodes; ++n) {
    auto it = wanted.find(site_of[n]);
    if (it == wanted.end() || !ProgramMade(snapshot.origins[n])) continue;
    it->second.push_back(n);
    SiteGraphEvidence& site = evidence.sites[site_of[n]];
    ++site.objects;
    site.bytes += graph.self_size(n);
    if (unexplained[n] > 0) ++site.hidden_objects;
    if (unreachable[n]) ++site.unreachable;
  }
  const Holders holders(snapshot, tree, retained, site_of, describe);
  for (const auto& [site, nodes] : wanted) {
    if (!nodes.empty()) evidence.sites[site].held_by = holders.MainHolder(nodes);
  }
  return evidence;
}

}  // namespace arenatrace::analyzer::graph
