// What `arenatrace graph` says about one snapshot: what the heap holds and
// who holds it. The largest retainers (by object, by type and by the
// allocation site of their block), and, for the objects a user asks about
// (by type, allocation site or address), the shortest retention paths from
// the roots: each hop with its type, the name of the edge into it, and its
// own allocation site.
#ifndef ARENATRACE_ANALYZER_GRAPH_GRAPH_REPORT_H_
#define ARENATRACE_ANALYZER_GRAPH_GRAPH_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/graph/node_description.h"
#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer::graph {

struct GraphQuery {
  std::string type;      // objects of this type ("Entry" or "module.Entry")
  std::string site;      // objects allocated at "file:line" (a path suffix) or "file"
  uint64_t address = 0;  // this object
  size_t top = 20;       // rows of each list
  size_t paths = 3;      // retention paths shown
  bool asked() const { return !type.empty() || !site.empty() || address != 0; }
};

struct GroupSummary {
  std::string key;  // a type, or an allocation site
  uint64_t retained_size = 0;
  uint64_t nodes = 0;
  uint64_t topmost_nodes = 0;
  uint64_t self_size = 0;
};

struct GraphReport {
  SnapshotInfo snapshot;
  size_t snapshot_index = 0;
  size_t snapshots_in_trace = 0;
  uint64_t nodes = 0;
  uint64_t edges = 0;
  uint64_t total_size = 0;
  uint64_t reachable_nodes = 0;
  uint64_t named_roots = 0;
  uint64_t external_roots = 0;
  uint64_t unreachable_tracked = 0;  // cyclic garbage at the snapshot
  uint64_t unreachable_size = 0;
  std::vector<NodeSummary> top_objects;
  std::vector<GroupSummary> by_type;
  std::vector<GroupSummary> by_site;
  // The objects asked about.
  std::string query;
  uint64_t matched = 0;
  uint64_t matched_self_size = 0;
  uint64_t matched_unreachable = 0;
  std::vector<RetentionPathSummary> paths;
};

GraphReport BuildGraphReport(const SnapshotGraph& snapshot, size_t snapshots_in_trace,
                             const ReplayState& state, const GraphQuery& query);

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_GRAPH_REPORT_H_
