// Who holds a set of objects: for each object, its nearest dominator
// allocated at another site (what would have to go for the object to go;
// walking past dominators of its own site, so that a list of lists of
// entries is held by what holds the outer list). Holders are grouped by
// their type and site, and the group holding the most of the set's bytes is
// the answer, with the retention path of one object it holds. `leaks`' graph
// evidence and the snapshot diff ask it.
#ifndef ARENATRACE_ANALYZER_GRAPH_HOLDERS_H_
#define ARENATRACE_ANALYZER_GRAPH_HOLDERS_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analyzer/graph/dominators.h"
#include "analyzer/graph/node_description.h"
#include "analyzer/graph/retention_paths.h"
#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer::graph {

inline constexpr uint32_t kUnrecordedSite = UINT32_MAX;

// Each node's allocation site (a FrameId's value), kUnrecordedSite when its
// allocation was not recorded.
std::vector<uint32_t> NodeSites(const SnapshotGraph& snapshot, const ReplayState& state);

struct HolderSummary {
  bool held = false;        // some object of the set is reachable
  std::string holder_type;  // "" when the objects are roots themselves, or held by several
  std::string holder_site;  // "function (file:line)", "" when not recorded
  uint64_t holders = 0;     // distinct holder objects in the group
  uint64_t objects = 0;     // of the set, held by the group
  uint64_t bytes = 0;
  RetentionPathSummary path;  // from a root to the held object retaining the most
};

class Holders {
 public:
  // All arguments must outlive this object.
  Holders(const SnapshotGraph& snapshot, const DominatorTree& tree,
          std::span<const uint64_t> retained, std::span<const uint32_t> sites,
          const NodeDescriber& describe);

  // The group of holders holding the most of `nodes`' reachable bytes.
  HolderSummary MainHolder(std::span<const NodeIndex> nodes) const;

 private:
  const SnapshotGraph& snapshot_;
  const DominatorTree& tree_;
  std::span<const uint64_t> retained_;
  const NodeDescriber& describe_;
  std::span<const uint32_t> sites_;
  std::vector<NodeIndex> holder_;  // per node; the super-root when no dominator qualifies
  RetentionPaths paths_;
};

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_HOLDERS_H_
