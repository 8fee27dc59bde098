// Who holds the memory, grouped: by type, or by any key the caller gives
// each node (an allocation site, a module). A key's retained size sums the
// retained sizes of its topmost nodes only, those with no dominator of the
// same key: a list of lists retains its inner lists, and counting them again
// would report more bytes than the heap has.
#ifndef ARENATRACE_ANALYZER_GRAPH_RETAINERS_H_
#define ARENATRACE_ANALYZER_GRAPH_RETAINERS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "analyzer/graph/dominators.h"
#include "analyzer/graph/heap_graph.h"

namespace arenatrace::analyzer::graph {

inline constexpr uint32_t kNoKey = UINT32_MAX;  // a node left out of the grouping

struct KeyRetention {
  uint32_t key = 0;
  uint64_t retained_size = 0;  // of the topmost nodes: no byte counted twice
  uint64_t topmost_nodes = 0;  // nodes of the key no node of the key dominates
  uint64_t nodes = 0;          // all reachable nodes of the key
  uint64_t self_size = 0;      // their own sizes
};

struct NodeRetention {
  NodeIndex node = kNoNode;
  uint64_t retained_size = 0;
};

// Each node's type name as its key.
std::vector<uint32_t> TypeNameKeys(const HeapGraph& graph);

// The `limit` keys retaining the most (retained size descending, then key
// ascending), over the reachable nodes; `keys` and `retained`
// (RetainedSizes) are indexed by node.
std::vector<KeyRetention> TopRetainersByKey(const HeapGraph& graph, const DominatorTree& tree,
                                            std::span<const uint64_t> retained,
                                            std::span<const uint32_t> keys, size_t limit);

// The `limit` nodes retaining the most (then node index ascending).
std::vector<NodeRetention> TopNodesByRetainedSize(const DominatorTree& tree,
                                                  std::span<const uint64_t> retained, size_t limit);

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_RETAINERS_H_
