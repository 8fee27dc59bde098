// What no root reaches. The roots include every object CPython's collector
// would see referenced from outside (kExternal), so an unreachable tracked
// node is what `gc.collect()` would free at the snapshot: cyclic garbage.
#ifndef ARENATRACE_ANALYZER_GRAPH_UNREACHABLE_H_
#define ARENATRACE_ANALYZER_GRAPH_UNREACHABLE_H_

#include <cstdint>
#include <vector>

#include "analyzer/graph/dominators.h"
#include "analyzer/graph/heap_graph.h"

namespace arenatrace::analyzer::graph {

// The unreachable tracked nodes, in node order; with `include_untracked`,
// also the leaves only garbage refers to (freed with it).
std::vector<NodeIndex> UnreachableNodes(const HeapGraph& graph, const DominatorTree& tree,
                                        bool include_untracked = false);

// The strongly connected components among `nodes` (edges leaving the set
// ignored), each sorted, largest first (ties: by first node). A component
// of one node is listed only when it refers to itself: what is left are
// the reference cycles.
std::vector<std::vector<NodeIndex>> Cycles(const HeapGraph& graph,
                                           const std::vector<NodeIndex>& nodes);

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_UNREACHABLE_H_
