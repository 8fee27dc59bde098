// Why is this object alive: the shortest chain of references from a root
// to it. Fewest hops first, a path from a root the refcount test alone finds
// (kExternal: held from C code or the interpreter, often only as well as
// from a module) counting kExternalRootDepth hops more than it has, so that
// `sys.modules['app'] -> __dict__ -> cache` wins over "the module's dict,
// held from outside"; among equally short chains, the one with the fewest
// unnamed edges (a path through `cache["users"]` reads better than one
// through an anonymous tuple slot). One breadth-first pass from the
// super-root answers every target; each path is then a walk up a parent
// array.
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

inline constexpr uint32_t kExternalRootDepth = 3;

class RetentionPaths {
 public:
  // `graph` must outlive this object (paths name its roots).
  explicit RetentionPaths(const HeapGraph& graph);

  // Empty (found() false) when no root reaches the target.
  RetentionPath PathTo(NodeIndex target) const;
  // Edges on the best path, kNoNode when unreachable.
  uint32_t hops(NodeIndex n) const { return hops_[n]; }

 private:
  const HeapGraph* graph_;
  std::vector<uint32_t> depth_;  // hops, plus kExternalRootDepth from an external root
  std::vector<uint32_t> hops_;
  // Unnamed edges on the path, doubled, plus 1 if it starts at an external
  // root: the two lower criteria in one comparable number.
  std::vector<uint32_t> cost_;
  std::vector<NodeIndex> parent_;  // kNoNode at a root's node
  std::vector<NameId> via_;        // the edge's name; at a root's node, the root's index
};

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_RETENTION_PATHS_H_
