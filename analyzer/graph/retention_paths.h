// Why is this object alive: the shortest chain of references from a root
// to it. Fewest hops first; among equally short chains, the one with the
// fewest unnamed edges (a path through `cache["users"]` reads better than
// one through an anonymous tuple slot), then one starting at a named root
// rather than an external one. One breadth-first pass from the super-root
// answers every target; each path is then a walk up a parent array.
#ifndef ARENATRACE_ANALYZER_GRAPH_RETENTION_PATHS_H_
#define ARENATRACE_ANALYZER_GRAPH_RETENTION_PATHS_H_

#include <cstdint>
#include <vector>

#include "analyzer/graph/heap_graph.h"

namespace arenatrace::analyzer::graph {

struct PathHop {
  NodeIndex node;
  NameId edge_name;  // of the edge from the previous hop; kNoName for the root's node
};

struct RetentionPath {
  Root root{kNoNode, RootKind::kOther, kNoName};  // where the path starts
  std::vector<PathHop> hops;                      // root.node first, the target last
  bool found() const { return !hops.empty(); }
};

class RetentionPaths {
 public:
  // `graph` must outlive this object (paths name its roots).
  explicit RetentionPaths(const HeapGraph& graph);

  // Empty (found() false) when no root reaches the target.
  RetentionPath PathTo(NodeIndex target) const;
  // Edges on the best path, kNoNode when unreachable.
  uint32_t hops(NodeIndex n) const { return depth_[n]; }

 private:
  const HeapGraph* graph_;
  std::vector<uint32_t> depth_;
  // Unnamed edges on the path, doubled, plus 1 if it starts at an external
  // root: the two lower criteria in one comparable number.
  std::vector<uint32_t> cost_;
  std::vector<NodeIndex> parent_;  // kNoNode at a root's node
  std::vector<NameId> via_;        // the edge's name; at a root's node, the root's index
};

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_RETENTION_PATHS_H_
