// Retained size: the bytes freeing a node would free, its own and those of
// every node it dominates (nothing else keeps them alive).
#ifndef ARENATRACE_ANALYZER_GRAPH_RETAINED_SIZES_H_
#define ARENATRACE_ANALYZER_GRAPH_RETAINED_SIZES_H_

#include <cstdint>
#include <vector>

#include "analyzer/graph/dominators.h"
#include "analyzer/graph/heap_graph.h"

namespace arenatrace::analyzer::graph {

// By node, node_count() + 1 entries: the last is the super-root's (every
// reachable byte). An unreachable node retains nothing: 0.
std::vector<uint64_t> RetainedSizes(const HeapGraph& graph, const DominatorTree& tree);

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_RETAINED_SIZES_H_
