// `--retained`: a snapshot's dominator tree as a stack profile, so that the
// flame graph, `export` and the HTML page draw who keeps the memory alive.
// Each "frame" is an object of the tree: named by the edge that leads to it
// where the referrer names it, and its type ("cache (dict)"), at the
// allocation site of its block (file and line; none when its allocation was
// not recorded); at the top, the root that holds it ("sys.modules['app']
// (module)"). A frame's width is what the object retains: freeing it would
// free everything drawn above it. Consecutive objects with the same name,
// type and site (a linked list's nodes) are one frame, and objects
// retaining less than a millionth of the heap are folded into their
// dominator's frame, so the profile stays small however large the heap.
#ifndef ARENATRACE_ANALYZER_GRAPH_RETAINED_PROFILE_H_
#define ARENATRACE_ANALYZER_GRAPH_RETAINED_PROFILE_H_

#include "analyzer/analyses/stack_profile.h"
#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer::graph {

// bytes: each object's own size, so that a frame's inclusive bytes are its
// retained size; count: objects.
StackProfile RetainedProfile(const SnapshotGraph& snapshot, const ReplayState& state);

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_RETAINED_PROFILE_H_
