// Two snapshots of the object graph compared, by type and allocation site:
// what there is more (or less) of, what is new, and who holds what is new.
// Within one trace an object is the same in both snapshots when its block
// is the same allocation (its allocation number), so "new" means made
// after the first snapshot and still alive at the second. Two traces share
// no identity: there, "new" is the increase, and its holder is that of the
// group's objects in the second snapshot.
#ifndef ARENATRACE_ANALYZER_GRAPH_SNAPSHOT_DIFF_H_
#define ARENATRACE_ANALYZER_GRAPH_SNAPSHOT_DIFF_H_

#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/graph/holders.h"
#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer::graph {

struct SnapshotSide {
  const SnapshotGraph* snapshot;
  const ReplayState* state;
};

struct SnapshotDiffRow {
  std::string type;
  std::string site;  // "function (file:line)", "" for objects whose allocation was not recorded
  uint64_t a_objects = 0;
  uint64_t a_bytes = 0;
  uint64_t b_objects = 0;
  uint64_t b_bytes = 0;
  uint64_t new_objects = 0;  // one trace: in the second snapshot only
  uint64_t new_bytes = 0;
  HolderSummary held_by;  // of the new objects (two traces: of all the second's)
  int64_t change() const { return static_cast<int64_t>(b_bytes) - static_cast<int64_t>(a_bytes); }
};

struct SnapshotDiff {
  bool same_trace = false;
  SnapshotInfo a_info, b_info;
  size_t a_index = 0, b_index = 0;
  uint64_t a_objects = 0, a_bytes = 0, b_objects = 0, b_bytes = 0;
  uint64_t new_objects = 0, new_bytes = 0;    // one trace only
  uint64_t gone_objects = 0, gone_bytes = 0;  // in the first only (one trace)
  std::vector<SnapshotDiffRow> rows;          // largest change in bytes first, at most `top`
};

SnapshotDiff DiffSnapshots(SnapshotSide a, SnapshotSide b, bool same_trace, size_t top);

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_SNAPSHOT_DIFF_H_
