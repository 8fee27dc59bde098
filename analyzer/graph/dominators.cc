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
  std::vector<uint8_t> is_root;   // by number: a child of the super-root
  // Predecessors by number, the super-root left out (is_root says it):
  // from[slots[v].begin, slots[v].end).
  struct Slots {
    uint32_t begin;
    uint32_t end;
  };
  std::vector<Slots> slots;
  std::vector<uint32_t> from;
  std::span<const uint32_t> preds(uint32_t v) const {
    return {from.data() + slots[v].begin, from.data() + slots[v].end};
  }
  // Reachable nodes without out-edges (str, int, empty containers: a large
  // share of a heap) are left out of the numbering: no path to another
  // node passes through them, so they change no other node's dominator,
  // and each one's is the nearest common ancestor of its predecessors. That
  // spares SEMI-NCA most of its EVALs, which are cache misses.
  std::vector<NodeIndex> leaves;
  std::vector<Slots> leaf_slots;  // by leaf: its predecessors' numbers (0 included)
  std::vector<uint32_t> leaf_from;
};

// A leaf's entry in DfsForest::number: its index among the leaves, tagged.
inline constexpr uint32_t kLeafBit = 1u << 31;

// Counting sort of (target, source) pairs by target, into CSR slots.
struct Met {
  uint32_t target;
  uint32_t source;
};
void GroupByTarget(const std::vector<Met>& met, size_t targets,
                   std::vector<DfsForest::Slots>& slots, std::vector<uint32_t>& from) {
  slots.assign(targets, {0, 0});
  for (const Met& m : met) ++slots[m.target].end;
  uint32_t next = 0;
  for (DfsForest::Slots& s : slots) {
    s.begin = next;
    next += s.end;
    s.end = s.begin;
  }
  from.resize(met.size());
  for (const Met& m : met) from[slots[m.target].end++] = m.source;
}

DfsForest Dfs(const HeapGraph& graph, NodeIndex super_root) {
  DfsForest f;
  const uint32_t n = graph.node_count();
  f.number.assign(n, kNoNode);
  f.vertex.reserve(static_cast<size_t>(n) + 1);
  f.parent.reserve(static_cast<size_t>(n) + 1);
  f.vertex.push_back(super_root);
  f.parent.push_back(0);
  std::vector<uint8_t> root_flag(n, 0);
  for (const Root& r : graph.roots()) root_flag[r.node] = 1;
  // Every edge met, as (target, source) numbers, written in order. The DFS
  // is one long chain of dependent loads, each a likely cache miss on a
  // large heap; grouping the predecessors by target is left to plain
  // loops whose misses overlap, which is several times cheaper than
  // scattering them from inside the DFS.
  std::vector<Met> met;
  met.reserve(graph.edge_count());
  std::vector<Met> leaf_met;
  // Past 2^31 nodes the tag bit is needed for numbers: no leaves then.
  const bool split_leaves = n < kLeafBit;
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
      // The next targets' numbers are read soon: start those loads now.
      if (top.next + 2 < edges.size()) __builtin_prefetch(&f.number[edges[top.next + 2].target]);
      w = edges[top.next++].target;
    }
    uint32_t number = f.number[w];
    const uint32_t from = top.number;
    if (number == kNoNode && split_leaves && graph.out_edges(w).empty()) {
      number = kLeafBit | static_cast<uint32_t>(f.leaves.size());
      f.number[w] = number;
      f.leaves.push_back(w);
    }
    if (number != kNoNode && (number & kLeafBit)) {  // kNoNode has the bit too
      leaf_met.push_back({number & ~kLeafBit, from});
      continue;
    }
    if (number == kNoNode) {
      number = static_cast<uint32_t>(f.vertex.size());
      f.number[w] = number;
      f.vertex.push_back(w);
      f.parent.push_back(from);
      const std::span<const Edge> edges = graph.out_edges(w);
      if (!edges.empty()) __builtin_prefetch(&f.number[edges[0].target]);
      if (edges.size() > 1) __builtin_prefetch(&f.number[edges[1].target]);
      stack.push_back({w, number, 0});  // `top` is dangling from here on
    }
    if (from != 0) met.push_back({number, from});
  }
  const auto count = static_cast<uint32_t>(f.vertex.size());
  f.is_root.resize(count);
  for (uint32_t i = 1; i < count; ++i) f.is_root[i] = root_flag[f.vertex[i]];
  GroupByTarget(met, count, f.slots, f.from);
  GroupByTarget(leaf_met, f.leaves.size(), f.leaf_slots, f.leaf_from);
  return f;
}

// The compressed forest of Lengauer–Tarjan's EVAL, with each vertex's
// label and semi-dominator beside it: EVAL touches all three, and one cache
// line per vertex is what makes the pass fast on a large heap.
struct EvalInfo {
  uint32_t ancestor;
  uint32_t label;
  uint32_t semi;
};

// EVAL with path compression, without recursion (as LLVM's
// SemiNCAInfo::eval): of the linked ancestors of v (those numbered
// `last_linked` and above), the one whose semi-dominator is smallest.
// `path` is scratch space.
uint32_t Eval(uint32_t v, uint32_t last_linked, std::vector<EvalInfo>& info,
              std::vector<uint32_t>& path) {
  if (info[v].ancestor < last_linked) return info[v].label;
  path.clear();
  do {
    path.push_back(v);
    v = info[v].ancestor;
  } while (info[v].ancestor >= last_linked);
  // Point every vertex on the path at the forest root, carrying the best label down.
  uint32_t p = v;
  uint32_t p_label = info[p].label;
  uint32_t x = v;
  while (!path.empty()) {
    x = path.back();
    path.pop_back();
    info[x].ancestor = info[p].ancestor;
    if (info[p_label].semi < info[info[x].label].semi) {
      info[x].label = p_label;
    } else {
      p_label = info[x].label;
    }
    p = x;
  }
  return info[x].label;
}

// Subtree sizes bottom-up (a dominator always precedes in DFS order),
// then positions top-down: each node takes the next free slot of its
// dominator's range, which keeps every subtree contiguous, with no stack.
struct Layout {
  std::vector<uint32_t> size;
  std::vector<uint32_t> slot;
  bool Contains(uint32_t a, uint32_t b) const {
    return slot[a] <= slot[b] && slot[b] - slot[a] < size[a];
  }
};
Layout LayOut(const std::vector<uint32_t>& idom) {
  const auto count = static_cast<uint32_t>(idom.size());
  Layout l;
  l.size.assign(count, 1);
  for (uint32_t i = count - 1; i >= 1; --i) l.size[idom[i]] += l.size[i];
  std::vector<uint32_t> next_free(count);
  l.slot.resize(count);
  l.slot[0] = 0;
  next_free[0] = 1;
  for (uint32_t i = 1; i < count; ++i) {
    l.slot[i] = next_free[idom[i]];
    next_free[idom[i]] += l.size[i];
    next_free[i] = l.slot[i] + 1;
  }
  return l;
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
    std::vector<EvalInfo> info(count);
    for (uint32_t i = 0; i < count; ++i) info[i] = {f.parent[i], i, i};
    std::vector<uint32_t> path;
    for (uint32_t i = count - 1; i >= 1; --i) {
      uint32_t s = f.is_root[i] ? 0 : f.parent[i];
      const std::span<const uint32_t> preds = f.preds(i);
      for (size_t k = 0; k < preds.size(); ++k) {
        const uint32_t j = preds[k];
        // Not processed yet (numbered below i): its own number, untouched
        // so far; no need to load its record.
        if (j < i) {
          s = std::min(s, j);
          continue;
        }
        // The predecessors are known ahead: overlap their cache misses.
        if (k + 4 < preds.size()) __builtin_prefetch(&info[preds[k + 4]]);
        s = std::min(s, info[Eval(j, i + 1, info, path)].semi);
      }
      info[i].semi = s;
    }
    std::vector<DfsForest::Slots>().swap(f.slots);
    std::vector<uint32_t>().swap(f.from);
    // The immediate dominator is the nearest common ancestor, in the
    // dominator tree built so far (preorder), of the parent and the
    // semi-dominator: the first ancestor numbered no higher than semi.
    for (uint32_t i = 1; i < count; ++i) {
      uint32_t c = idom[i];
      while (c > info[i].semi) c = idom[c];
      idom[i] = c;
    }
  }

  // Each leaf's dominator: the nearest common ancestor of its predecessors.
  // Starting from the shallowest one, only that candidate climbs, until it
  // contains every predecessor (an O(1) test on the tree laid out so far).
  if (!f.leaves.empty()) {
    const Layout tree = LayOut(idom);
    std::vector<uint32_t> depth(count, 0);
    for (uint32_t i = 1; i < count; ++i) depth[i] = depth[idom[i]] + 1;
    for (uint32_t leaf = 0; leaf < f.leaves.size(); ++leaf) {
      const DfsForest::Slots s = f.leaf_slots[leaf];
      const std::span<const uint32_t> preds(f.leaf_from.data() + s.begin, s.end - s.begin);
      uint32_t c = preds[0];
      for (uint32_t p : preds) {
        if (depth[p] < depth[c]) c = p;
      }
      for (uint32_t p : preds) {
        while (!tree.Contains(c, p)) c = idom[c];
      }
      f.vertex.push_back(f.leaves[leaf]);
      idom.push_back(c);
    }
  }
  const auto all = static_cast<uint32_t>(f.vertex.size());
  const Layout layout = LayOut(idom);
  const std::vector<uint32_t>& size = layout.size;
  const std::vector<uint32_t>& slot = layout.slot;

  idom_.assign(static_cast<size_t>(n) + 1, kNoNode);
  position_.assign(static_cast<size_t>(n) + 1, kNoNode);
  subtree_size_.assign(static_cast<size_t>(n) + 1, 0);
  preorder_.resize(all - 1);
  subtree_size_[super_root_] = all - 1;
  for (uint32_t i = 1; i < all; ++i) {
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
