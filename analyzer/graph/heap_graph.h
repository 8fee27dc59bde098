// The object graph of one heap snapshot: every object (node) with its type,
// size and reference count, the references between them (edges, named when
// the referrer knows a name: a dict key, an attribute, a frame's local), and
// the roots the capture names. The analyses (dominators, retained sizes,
// retention paths) read it; nothing here knows CPython or the trace format.
//
// A snapshot of a large process has tens of millions of objects, so the
// graph is built once and then frozen into CSR arrays with 32-bit indices:
// about 40 bytes per node and 8 per edge, and no heap allocation per node.
#ifndef ARENATRACE_ANALYZER_GRAPH_HEAP_GRAPH_H_
#define ARENATRACE_ANALYZER_GRAPH_HEAP_GRAPH_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace arenatrace::analyzer::graph {

using NodeIndex = uint32_t;
inline constexpr NodeIndex kNoNode = UINT32_MAX;
using NameId = uint32_t;  // index into HeapGraph::strings(); 0 is the empty string (unnamed edge)
inline constexpr NameId kNoName = 0;

enum class RootKind : uint8_t {
  kExternal,  // refcount not explained by the graph (see ExternalReferences)
  kModule,
  kThreadFrame,
  kBuiltins,
  kInterned,
  kOther,
};

struct Root {
  NodeIndex node;
  RootKind kind;
  NameId name;
};

struct Edge {
  NodeIndex target;
  NameId name;
};

// An in-edge: who refers to a node, and under which name.
struct InEdge {
  NodeIndex source;
  NameId name;
};

class HeapGraph;

// In-edges in CSR form. Most analyses only walk forward, so the reverse
// arrays (another 8 bytes per edge) are built only by those that ask.
class InEdges {
 public:
  explicit InEdges(const HeapGraph& graph);
  std::span<const InEdge> of(NodeIndex n) const {
    return {edges_.data() + offsets_[n], edges_.data() + offsets_[n + 1]};
  }

 private:
  std::vector<uint32_t> offsets_;
  std::vector<InEdge> edges_;
};

class HeapGraph {
 public:
  HeapGraph() : strings_(1) {}
  HeapGraph(HeapGraph&&) = default;
  HeapGraph& operator=(HeapGraph&&) = default;
  HeapGraph(const HeapGraph&) = delete;
  HeapGraph& operator=(const HeapGraph&) = delete;

  uint32_t node_count() const { return static_cast<uint32_t>(address_.size()); }
  size_t edge_count() const { return edges_.size(); }

  uint64_t address(NodeIndex n) const { return address_[n]; }
  NameId type_name(NodeIndex n) const { return type_name_[n]; }
  uint64_t self_size(NodeIndex n) const { return self_size_[n]; }
  int64_t refcount(NodeIndex n) const { return refcount_[n]; }
  bool tracked(NodeIndex n) const { return tracked_[n] != 0; }

  // In the order the builder was given them (duplicates kept).
  std::span<const Edge> out_edges(NodeIndex n) const {
    return {edges_.data() + edge_offsets_[n], edges_.data() + edge_offsets_[n + 1]};
  }

  // The builder's roots in the order given, then one kExternal root per
  // tracked node with ExternalReferences > 0, in node order (a named root can
  // also be an external one: both are listed).
  std::span<const Root> roots() const { return roots_; }
  std::span<const std::string> strings() const { return strings_; }
  std::string_view string(NameId id) const { return strings_[id]; }

  // CPython's own test for "referenced from outside" (gc's update_refs and
  // subtract_refs): the refcount minus the references from tracked nodes, as
  // the collector's traversal sees them. Positive: a C global, a C stack or
  // a leaked reference holds the object. 0 for untracked nodes: nobody
  // traversed what refers to them, so the difference means nothing.
  int64_t ExternalReferences(NodeIndex n) const {
    return tracked_[n] ? refcount_[n] - static_cast<int64_t>(tracked_referrers_[n]) : 0;
  }

  // The node at `address`, or kNoNode. With duplicate addresses, the first added.
  NodeIndex FindByAddress(uint64_t address) const;

  // Edges and roots the builder was given with a node index it never handed
  // out: not in the graph (a corrupt snapshot must not crash an analysis).
  size_t dropped_edges() const { return dropped_edges_; }
  size_t dropped_roots() const { return dropped_roots_; }

 private:
  friend class HeapGraphBuilder;

  std::vector<uint64_t> address_;
  std::vector<NameId> type_name_;
  std::vector<uint64_t> self_size_;
  std::vector<int64_t> refcount_;
  std::vector<uint8_t> tracked_;
  std::vector<uint32_t> tracked_referrers_;  // edges into the node from tracked nodes
  std::vector<uint32_t> edge_offsets_;       // node_count + 1 entries
  std::vector<Edge> edges_;
  std::vector<Root> roots_;
  std::vector<std::string> strings_;
  // Node indexes by address; empty when the nodes were added in address order.
  std::vector<NodeIndex> by_address_;
  size_t dropped_edges_ = 0;
  size_t dropped_roots_ = 0;
};

class HeapGraphBuilder {
 public:
  HeapGraphBuilder();

  // The same text always gets the same id; "" is 0.
  NameId Intern(std::string_view text);
  // gc_tracked: a GC-tracked object (its referents were traversed). refcount
  // as read by the capture.
  NodeIndex AddNode(uint64_t address, NameId type_name, uint64_t self_size, int64_t refcount,
                    bool gc_tracked);
  // Any order; duplicates allowed (a dict holding one object twice).
  void AddEdge(NodeIndex from, NodeIndex to, NameId name);
  void AddRoot(NodeIndex node, RootKind kind, NameId name);

  uint32_t node_count() const { return graph_.node_count(); }

  // Builds the CSR arrays and adds the kExternal roots.
  HeapGraph Finish() &&;

 private:
  struct PendingEdge {
    NodeIndex from;
    NodeIndex to;
    NameId name;
  };
  HeapGraph graph_;
  std::vector<PendingEdge> pending_;
  absl::flat_hash_map<std::string, NameId> names_;
};

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_HEAP_GRAPH_H_
