#include "analyzer/graph/snapshot_graph.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace arenatrace::analyzer::graph {
namespace {

RootKind KindOf(uint64_t kind) {
  switch (static_cast<trace::SnapshotRootKind>(kind)) {
    case trace::SnapshotRootKind::kModule:
      return RootKind::kModule;
    case trace::SnapshotRootKind::kThreadFrame:
      return RootKind::kThreadFrame;
    case trace::SnapshotRootKind::kBuiltins:
      return RootKind::kBuiltins;
    default:
      return RootKind::kOther;
  }
}

}  // namespace

void SnapshotGraphBuilder::OnSnapshotStart() {
  const size_t index = seen_++;
  // Wanting the last whole one: each snapshot replaces the one before when it ends.
  collecting_ = !wanted_ || *wanted_ == index;
  if (!collecting_) return;
  pending_node_.reset();
  builder_.emplace();
  origins_.clear();
  object_flags_.clear();
  edges_.clear();
  roots_.clear();
  by_address_.clear();
  names_.clear();
  indexes_.clear();
}

NameId SnapshotGraphBuilder::Name(uint64_t snapshot_name) {
  auto [it, inserted] = names_.try_emplace(snapshot_name, kNoName);
  if (inserted) it->second = builder_->Intern(state().snapshot_names[snapshot_name]);
  return it->second;
}

NameId SnapshotGraphBuilder::EdgeName(uint64_t label) {
  if (label == 0) return kNoName;
  if ((label & 1) == 0) return Name(label >> 1);
  auto [it, inserted] = indexes_.try_emplace(label >> 1, kNoName);
  if (inserted) it->second = builder_->Intern(absl::StrCat("[", label >> 1, "]"));
  return it->second;
}

void SnapshotGraphBuilder::AddPendingNode() {
  if (!pending_node_) return;
  const PendingNode& node = *pending_node_;
  const NodeIndex index =
      builder_->AddNode(node.address, Name(node.type_name), node.size, node.refcount,
                        (node.flags & trace::kObjectTracked) != 0);
  by_address_.try_emplace(node.address, index);
  origins_.push_back(node.origin);
  object_flags_.push_back(node.flags);
  pending_node_.reset();
}

void SnapshotGraphBuilder::OnSnapshotObject(const trace::SnapshotObject& object,
                                            const Block* block) {
  if (!collecting_) return;
  AddPendingNode();
  PendingNode node{object.address,
                   object.type_name,
                   object.size + object.block_offset,
                   object.refcount,
                   static_cast<uint8_t>(object.flags),
                   {}};
  // The block's own size, when its allocation was recorded: what the
  // allocator gave, headers included.
  if (block != nullptr) {
    node.size = block->size;
    node.origin = {block->stack, block->thread, block->seq, block->flags};
  }
  pending_node_ = node;
}

void SnapshotGraphBuilder::OnSnapshotEdge(const trace::SnapshotEdge& edge) {
  if (!collecting_) return;
  // The node gets its index when added; edges name it by the index it will have.
  edges_.push_back({builder_->node_count(), edge.target, edge.label});
}

void SnapshotGraphBuilder::OnSnapshotBuffer(uint64_t, const Block* block) {
  if (!collecting_ || !pending_node_ || block == nullptr) return;
  pending_node_->size += block->size;
}

void SnapshotGraphBuilder::OnSnapshotRoot(const trace::SnapshotRoot& root) {
  if (!collecting_) return;
  AddPendingNode();
  roots_.push_back(root);
}

void SnapshotGraphBuilder::OnSnapshotEnd() {
  if (!collecting_) return;
  collecting_ = false;
  AddPendingNode();
  SnapshotGraph result;
  result.info = state().snapshots.back();
  result.index = seen_ - 1;
  for (const PendingEdge& edge : edges_) {
    auto it = by_address_.find(edge.target);
    if (it == by_address_.end()) {
      ++result.unresolved_edges;
      continue;
    }
    builder_->AddEdge(edge.from, it->second, EdgeName(edge.label));
  }
  for (const trace::SnapshotRoot& root : roots_) {
    auto it = by_address_.find(root.address);
    if (it != by_address_.end()) builder_->AddRoot(it->second, KindOf(root.kind), Name(root.name));
  }
  result.graph = std::move(*builder_).Finish();
  result.origins = std::move(origins_);
  result.object_flags = std::move(object_flags_);
  builder_.reset();
  edges_.clear();
  roots_.clear();
  by_address_.clear();
  result_ = std::move(result);
}

}  // namespace arenatrace::analyzer::graph
