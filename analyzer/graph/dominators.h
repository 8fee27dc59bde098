// The dominator tree of a heap graph: d dominates v when every path from the
// roots to v passes through d, so freeing d would free v. The tree hangs
// from a virtual super-root whose children are all the graph's roots (named
// first, then external), so a node held by two roots is dominated by the
// super-root alone.
//
// Computed with SEMI-NCA (Georgiadis and Tarjan; what LLVM and V8's heap
// snapshots use): semi-dominators from a DFS with Lengauer–Tarjan's
// path-compressed forest, then each immediate dominator as the nearest common
// ancestor of the DFS parent and the semi-dominator. It is simpler than
// Lengauer–Tarjan's second and third passes and faster in practice on
// graphs as shallow and wide as heaps. Nodes without out-edges, which
// cannot lie on a path to another node, are left out of it and placed
// afterwards at the nearest common ancestor of their referrers. Everything
// is iterative: a linked list of 10^6 objects is a 10^6-deep DFS.
#ifndef ARENATRACE_ANALYZER_GRAPH_DOMINATORS_H_
#define ARENATRACE_ANALYZER_GRAPH_DOMINATORS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "analyzer/graph/heap_graph.h"

namespace arenatrace::analyzer::graph {

class DominatorTree {
 public:
  explicit DominatorTree(const HeapGraph& graph);

  // The virtual super-root's index: node_count(), one past the last node.
  NodeIndex super_root() const { return super_root_; }
  // The immediate dominator: a node, super_root() for a node no single
  // node dominates, kNoNode for a node no root reaches (and for the super-root).
  NodeIndex idom(NodeIndex n) const { return idom_[n]; }
  bool reachable(NodeIndex n) const { return n == super_root_ || idom_[n] != kNoNode; }
  // Graph nodes reachable from the roots.
  uint32_t reachable_count() const { return static_cast<uint32_t>(preorder_.size()); }

  // The reachable nodes in a preorder of the dominator tree (super-root
  // left out): each node after its immediate dominator, and the nodes a
  // node dominates right after it. Reversed, it is a postorder: summing
  // up a subtree needs no recursion.
  std::span<const NodeIndex> preorder() const { return preorder_; }
  // n's position in preorder(), kNoNode if unreachable (or the super-root).
  uint32_t position(NodeIndex n) const { return position_[n]; }
  // The nodes n dominates, n included (the super-root: reachable_count()):
  // preorder()[position(n), position(n) + subtree_size(n)).
  uint32_t subtree_size(NodeIndex n) const { return subtree_size_[n]; }

  // Reflexive: a node dominates itself. False when b is unreachable.
  bool Dominates(NodeIndex a, NodeIndex b) const;
  // n's children in the dominator tree, in preorder.
  std::vector<NodeIndex> Children(NodeIndex n) const;

 private:
  NodeIndex super_root_ = 0;
  std::vector<NodeIndex> idom_;         // node_count + 1
  std::vector<uint32_t> position_;      // node_count + 1
  std::vector<uint32_t> subtree_size_;  // node_count + 1
  std::vector<NodeIndex> preorder_;
};

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_DOMINATORS_H_
