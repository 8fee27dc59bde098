// What a snapshot of the object graph adds to `leaks`' verdicts: why the
// objects a site left are still alive.
//  - Hidden references: objects whose reference count exceeds what the graph
//    explains (references from tracked objects, and from the frames that
//    hold them as locals). Something outside the graph holds them: a C
//    extension's global, or, many at one line, a reference leaked by C code
//    (a missing Py_DECREF). Grouped by type and allocation site.
//  - Cyclic garbage: tracked objects no root reaches, alive only because the
//    collector has not run (or is disabled). Grouped by allocation site.
//  - The holder of a site's objects: for each object, its nearest dominator
//    allocated elsewhere (what would have to go for the object to go),
//    grouped by that holder's type and site; the group holding the most
//    bytes, with the retention path of one of its objects from a root.
// Only blocks the program's own code allocated count: what start-up and
// finalisation made is not a leak (analyses/leaks.h).
#ifndef ARENATRACE_ANALYZER_GRAPH_LEAK_EVIDENCE_H_
#define ARENATRACE_ANALYZER_GRAPH_LEAK_EVIDENCE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/graph/holders.h"
#include "analyzer/graph/node_description.h"
#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/model/ids.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer::graph {

struct HiddenReferenceGroup {
  std::string type;
  FrameId site;
  std::string site_name;  // "function (file:line)"
  uint64_t objects = 0;
  uint64_t references = 0;  // unexplained, over all the group's objects
  uint64_t bytes = 0;       // the objects' own sizes
};

struct CyclicGarbageGroup {
  FrameId site;
  std::string site_name;
  uint64_t objects = 0;
  uint64_t bytes = 0;
  std::string types;  // the commonest types, "Node x400, dict x400"
};

// Why one site's objects are alive at the snapshot.
struct SiteGraphEvidence {
  uint64_t objects = 0;  // the site's objects in the snapshot
  uint64_t bytes = 0;
  uint64_t unreachable = 0;     // of those, cyclic garbage
  uint64_t hidden_objects = 0;  // of those, with hidden references
  HolderSummary held_by;        // who holds the most of the site's reachable bytes
};

struct LeakEvidence {
  SnapshotInfo snapshot;
  size_t snapshot_index = 0;
  size_t snapshots_in_trace = 0;
  std::vector<HiddenReferenceGroup> hidden;  // most objects first
  // Objects with hidden references made while an extension module was
  // imported (the innermost frame is the import system's): the module's
  // own C globals, listed apart from the hidden references above.
  uint64_t hidden_at_import = 0;
  std::vector<CyclicGarbageGroup> cyclic;                  // most bytes first
  absl::flat_hash_map<uint32_t, SiteGraphEvidence> sites;  // by FrameId value, the sites asked

  const SiteGraphEvidence* Site(FrameId site) const {
    auto it = sites.find(site.value());
    return it == sites.end() ? nullptr : &it->second;
  }
};

// `sites`: those whose holders are wanted (the verdicts shown); `top`:
// rows of the hidden-reference and cyclic-garbage lists.
LeakEvidence BuildLeakEvidence(const SnapshotGraph& snapshot, size_t snapshots_in_trace,
                               const ReplayState& state, std::span<const FrameId> sites,
                               size_t top);

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_LEAK_EVIDENCE_H_
