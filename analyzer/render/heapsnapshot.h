// A snapshot of the object graph in Chrome DevTools' heap snapshot format
// (.heapsnapshot, the format V8 writes), with each object's allocation stack
// as DevTools' allocation trace tree: the graph can be browsed in DevTools'
// Memory panel (summary by type, retainers, dominators, allocation stacks).
#ifndef ARENATRACE_ANALYZER_RENDER_HEAPSNAPSHOT_H_
#define ARENATRACE_ANALYZER_RENDER_HEAPSNAPSHOT_H_

#include <string>

#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer {

// Node 0 is a synthetic root whose edges lead to every root of the graph;
// node i + 1 is the graph's node i.
std::string HeapSnapshotJson(const graph::SnapshotGraph& snapshot, const ReplayState& state);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_HEAPSNAPSHOT_H_
