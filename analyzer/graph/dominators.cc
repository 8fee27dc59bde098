#include "analyzer/graph/dominators.h"

#include <algorithm>

namespace arenatrace::analyzer::graph {
namespace {

// SEMI-NCA works on DFS numbers (0: the super-root); these are its arrays,
// each indexed by DFS number, all 32-bit.
struct DfsForest {
  std::vector<uint32_t> number;   // by node: DFS number, kNoNode if unreached
  std::vector<NodeIndex> vertex;  // by number: the node (the super-root at 0)
  std::vector<uint32_t> parent;   // by number: the DFS tree parent's number
};

DfsForest Dfs(const HeapGraph& graph, NodeIndex super_root) {
  DfsForest f;
  const uint32_t n = graph.node_count();
  f.number.assign(n, kNoNode);
  f.vertex.push_back(super_root);
  f.parent.push_back(0);
  // The explicit stack holds, for each node on the current path, the next
  // out-edge to look at: the super-root's "edges" are the roots.
  struct Frame {
    NodeIndex node;
    uint32_t number;
    uint32_t next;
  };
  std::vector<Frame> stack;
  stack.push_back({super_root, 0, 0});
  const std::span<const Root> roots = graph.roots();
  while (!stack.empty()) {
    Frame& top = stack.back();
    NodeIndex w;
    if (top.node == super_root) {
      if (top.next == roots.size()) {
        stack.pop_back();
        continue;
      }
      w = roots[top.next++].node;
    } else {
      const std::span<const Edge> edges = graph.out_edges(top.node);
      if (top.next == edges.size()) {
        stack.pop_back();
        continue;
      }
      w = edges[top.next++].target;
    }
    if (f.number[w] != kNoNode) continue;
    const auto number = static_cast<uint32_t>(f.vertex.size());
    f.number[w] = number;
    f.vertex.push_back(w);
    f.parent.push_back(top.number);
    stack.push_back({w, number, 0});  // `top` is dangling from here on
  }
  return f;
}

// Predecessors by DFS number, of reachable nodes only, the super-root (0)
// among each root's: the semi-dominator step reads them in reverse preorder.
struct Predecessors {
  std::vector<uint64_t> offsets;
  std::vector<uint32_t> from;
  std::span<const uint32_t> of(uint32_t v) const {
    return {from.data() + offsets[v], from.data() + offsets[v + 1]};
  }
};

Predecessors ReversedEdges(const HeapGraph& graph, const DfsForest& f) {
  Predecessors p;
  const size_t count = f.vertex.size();
  p.offsets.assign(count + 1, 0);
  for (const Root& r : graph.roots()) ++p.offsets[f.number[r.node] + 1];
  for (uint32_t j = 1; j < count; ++j) {
    for (const Edge& e : graph.out_edges(f.vertex[j])) {
      // A reachable node's targets are reachable.
      ++p.offsets[f.number[e.target] + 1];
    }
  }
  for (size_t i = 0; i < count; ++i) p.offsets[i + 1] += p.offsets[i];
  p.from.resize(p.offsets[count]);
  std::vector<uint64_t> next(p.offsets.begin(), p.offsets.end() - 1);
  for (const Root& r : graph.roots()) p.from[next[f.number[r.node]]++] = 0;
  for (uint32_t j = 1; j < count; ++j) {
    for (const Edge& e : graph.out_edges(f.vertex[j])) p.from[next[f.number[e.target]]++] = j;
  }
  return p;
}

// Lengauer–Tarjan's EVAL with path compression, without recursion (as
// LLVM's SemiNCAInfo::eval): of the linked ancestors of v (those numbered
// `last_linked` and above), the one whose semi-dominator is smallest.
// `ancestor` is the compressed forest; `path` is scratch space.
uint32_t Eval(uint32_t v, uint32_t last_linked, std::vector<uint32_t>& ancestor,
              std::vector<uint32_t>& label, const std::vector<uint32_t>& semi,
              std::vector<uint32_t>& path) {
  if (ancestor[v] < last_linked) return label[v];
  path.clear();
  do {
    path.push_back(v);
    v = ancestor[v];
  } while (ancestor[v] >= last_linked);
  // Point every vertex on the path at the forest root, carrying the best label down.
  uint32_t p = v;
  uint32_t p_label = label[p];
  uint32_t x = v;
  while (!path.empty()) {
    x = path.back();
    path.pop_back();
    ancestor[x] = ancestor[p];
    if (semi[p_label] < semi[label[x]]) {
      label[x] = p_label;
    } else {
      p_label = label[x];
    }
    p = x;
  }
  return label[x];
}

}  // namespace

DominatorTree::DominatorTree(const HeapGraph& graph) {
  const uint32_t n = graph.node_count();
  super_root_ = n;
  DfsForest f = Dfs(graph, super_root_);
  const auto count = static_cast<uint32_t>(f.vertex.size());

  // Semi-dominators, in reverse preorder. A vertex is linked to its DFS
  // parent once processed, so at step i the linked ones are those above i.
  std::vector<uint32_t> idom(f.parent);  // by number; starts as the DFS parent
  {
    const Predecessors preds = ReversedEdges(graph, f);
    std::vector<uint32_t> semi(count);
    std::vector<uint32_t> label(count);
    for (uint32_t i = 0; i < count; ++i) semi[i] = label[i] = i;
    std::vector<uint32_t> ancestor(f.parent);
    std::vector<uint32_t> path;
    for (uint32_t i = count - 1; i >= 1; --i) {
      uint32_t s = f.parent[i];
      for (uint32_t j : preds.of(i))
        s = std::min(s, semi[Eval(j, i + 1, ancestor, label, semi, path)]);
      semi[i] = s;
    }
    // The immediate dominator is the nearest common ancestor, in the
    // dominator tree built so far (preorder), of the parent and the
    // semi-dominator: the first ancestor numbered no higher than semi.
    for (uint32_t i = 1; i < count; ++i) {
      uint32_t c = idom[i];
      while (c > semi[i]) c = idom[c];
      idom[i] = c;
    }
  }

  // Subtree sizes bottom-up (a dominator always precedes in DFS order),
  // then positions top-down: each node takes the next free slot of its
  // dominator's range, which keeps every subtree contiguous, with no stack.
  std::vector<uint32_t> size(count, 1);
  for (uint32_t i = count - 1; i >= 1; --i) size[idom[i]] += size[i];
  std::vector<uint32_t> next_free(count);
  std::vector<uint32_t> slot(count);
  slot[0] = 0;
  next_free[0] = 1;
  for (uint32_t i = 1; i < count; ++i) {
    slot[i] = next_free[idom[i]];
    next_free[idom[i]] += size[i];
    next_free[i] = slot[i] + 1;
  }

  idom_.assign(static_cast<size_t>(n) + 1, kNoNode);
  position_.assign(static_cast<size_t>(n) + 1, kNoNode);
  subtree_size_.assign(static_cast<size_t>(n) + 1, 0);
  preorder_.resize(count - 1);
  subtree_size_[super_root_] = count - 1;
  for (uint32_t i = 1; i < count; ++i) {
    const NodeIndex v = f.vertex[i];
    idom_[v] = f.vertex[idom[i]];
    position_[v] = slot[i] - 1;
    subtree_size_[v] = size[i];
    preorder_[slot[i] - 1] = v;
  }
}

bool DominatorTree::Dominates(NodeIndex a, NodeIndex b) const {
  if (!reachable(b)) return false;
  if (a == super_root_) return true;
  if (b == super_root_ || !reachable(a)) return false;
  return position_[a] <= position_[b] && position_[b] - position_[a] < subtree_size_[a];
}

std::vector<NodeIndex> DominatorTree::Children(NodeIndex n) const {
  std::vector<NodeIndex> children;
  if (!reachable(n)) return children;
  uint32_t p = n == super_root_ ? 0 : position_[n] + 1;
  const uint32_t end = n == super_root_ ? reachable_count() : position_[n] + subtree_size_[n];
  while (p < end) {
    children.push_back(preorder_[p]);
    p += subtree_size_[preorder_[p]];
  }
  return children;
}

}  // namespace arenatrace::analyzer::graph
