// The object graph of one snapshot in a trace, joined with the replay: each
// node knows the allocation that made its memory block (stack, allocation
// number, thread), and its size is that block's, plus the buffers it owns.
// An observer of the replay (replay/observer.h): it keeps the snapshot it
// was asked for, by number, or the last whole one.
#ifndef ARENATRACE_ANALYZER_GRAPH_SNAPSHOT_GRAPH_H_
#define ARENATRACE_ANALYZER_GRAPH_SNAPSHOT_GRAPH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/graph/heap_graph.h"
#include "analyzer/model/ids.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer::graph {

// Where a node's memory came from. `seq` 0: its allocation was not recorded
// (a static object, or made before recording started): then `stack` is
// kNoStack.
struct NodeOrigin {
  StackId stack;
  ThreadId thread;
  uint64_t seq = 0;
  uint8_t block_flags = 0;  // the block's (replay/block.h): made at start-up, in teardown ...
};

struct SnapshotGraph {
  SnapshotInfo info;
  size_t index = 0;  // which snapshot of the trace, from 0
  HeapGraph graph;
  std::vector<NodeOrigin> origins;    // per node
  std::vector<uint8_t> object_flags;  // per node: the capture's trace::kObject* flags
  uint64_t unresolved_edges = 0;      // edges to an address no object of the snapshot has
};

class SnapshotGraphBuilder : public ReplayObserver {
 public:
  // `wanted`: the snapshot's number (from 0); nullopt: the last whole one.
  explicit SnapshotGraphBuilder(std::optional<size_t> wanted = std::nullopt) : wanted_(wanted) {}

  uint8_t block_calls() const override { return 0; }
  void OnSnapshotStart() override;
  void OnSnapshotObject(const trace::SnapshotObject& object, const Block* block) override;
  void OnSnapshotEdge(const trace::SnapshotEdge& edge) override;
  void OnSnapshotBuffer(uint64_t address, const Block* block) override;
  void OnSnapshotRoot(const trace::SnapshotRoot& root) override;
  void OnSnapshotEnd() override;

  // The snapshot found, if any (after the replay).
  std::optional<SnapshotGraph>& result() { return result_; }
  // How many snapshots the trace has (whole or not).
  size_t snapshots_seen() const { return seen_; }

 private:
  struct PendingNode {
    uint64_t address;
    uint64_t type_name;  // a snapshot name id
    uint64_t size;
    int64_t refcount;
    uint8_t flags;  // trace::kObject*
    NodeOrigin origin;
  };
  struct PendingEdge {
    NodeIndex from;
    uint64_t target;
    uint64_t label;
  };
  void AddPendingNode();
  NameId Name(uint64_t snapshot_name);
  NameId EdgeName(uint64_t label);

  std::optional<size_t> wanted_;
  size_t seen_ = 0;
  bool collecting_ = false;
  std::optional<PendingNode> pending_node_;
  std::optional<HeapGraphBuilder> builder_;
  std::vector<NodeOrigin> origins_;
  std::vector<uint8_t> object_flags_;
  std::vector<PendingEdge> edges_;
  std::vector<trace::SnapshotRoot> roots_;
  absl::flat_hash_map<uint64_t, NodeIndex> by_address_;
  absl::flat_hash_map<uint64_t, NameId> names_;  // snapshot name id -> graph name
  absl::flat_hash_map<uint64_t, NameId> indexes_;
  std::optional<SnapshotGraph> result_;
};

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_SNAPSHOT_GRAPH_H_
