#include "analyzer/graph/dominators.h"

#include <algorithm>
#include <memory>

namespace arenatrace::analyzer::graph {
namespace {

// Two bits per node for the DFS: seen, and without out-edges (a leaf).
// 10 M nodes take 2.5 MB, which stays in the cache, where a test costs a
// few cycles instead of a miss; both bits of a node share one load.
class NodeStates {
 public:
  static constexpr uint64_t kSeen = 1;
  static constexpr uint64_t kLeaf = 2;
  explicit NodeStates(uint32_t n) : words_((static_cast<size_t>(n) + 31) / 32, 0) {}
  void SetLeaf(NodeIndex v) { words_[v >> 5] |= kLeaf << Shift(v); }
  // Marks v seen; its bits from before.
  uint64_t See(NodeIndex v) {
    uint64_t& word = words_[v >> 5];
    const uint64_t before = word >> Shift(v);
    word |= kSeen << Shift(v);
    return before;
  }

 private:
  static unsigned Shift(NodeIndex v) { return 2 * (v & 31); }
  std::vector<uint64_t> words_;
};

// A leaf's entry in DfsForest::number during the DFS: its index among the
// leaves, tagged (leaves are numbered after the other nodes once their
// count is known).
inline constexpr uint32_t kLeafBit = 1u << 31;

// SEMI-NCA works on DFS numbers (0: the super-root). Reachable nodes
// without out-edges (str, int, empty containers: a large share of a heap)
// are numbered after all the others, [count, vertex.size()): no path to
// another node passes through them, so they change no other node's
// dominator, and each one's is the nearest common ancestor of its
// predecessors. That spares SEMI-NCA most of its EVALs, which are cache
// misses.
struct DfsForest {
  std::vector<uint32_t> number;   // by node: DFS number, kNoNode if unreached
  std::vector<NodeIndex> vertex;  // by number: the node (the super-root at 0)
  std::vector<uint32_t> parent;   // by number below count: the DFS tree parent
  uint32_t count = 0;             // the super-root and the other nodes, not leaves
  // Predecessors by number, the super-root's (0) included, in CSR form:
  // from[first[v], first[v + 1]).
  std::vector<uint32_t> first;
  std::unique_ptr<uint32_t[]> from;  // written in full, so never zeroed first
  std::span<const uint32_t> preds(uint32_t v) const {
    return {from.get() + first[v], from.get() + first[v + 1]};
  }
};

// The DFS only numbers the nodes: whether a node was seen is a bit in the
// cache, so the search's chain of dependent loads is the new nodes' edge
// lists alone, not one miss per edge. The predecessors are gathered
// afterwards, in a pass whose loads do not depend on each other.
void Number(const HeapGraph& graph, NodeIndex super_root, DfsForest& f) {
  const uint32_t n = graph.node_count();
  f.number.assign(n, kNoNode);
  f.vertex.reserve(static_cast<size_t>(n) + 1);
  f.parent.reserve(static_cast<size_t>(n) + 1);
  f.vertex.push_back(super_root);
  f.parent.push_back(0);
  NodeStates state(n);
  // Past 2^31 nodes the tag bit is needed for numbers: no leaves then.
  if (n < kLeafBit - 1) {
    for (NodeIndex v = 0; v < n; ++v) {
      if (graph.out_edges(v).empty()) state.SetLeaf(v);
    }
  }
  std::vector<NodeIndex> leaves;
  // For each node on the current path, the out-edges not looked at yet.
  struct Frame {
    const Edge* next;
    const Edge* end;
    uint32_t number;
  };
  std::vector<Frame> stack;
  // Numbers w, reached for the first time from the node numbered `from`
  // (`before`: its state bits), and searches from it unless it is a leaf.
  const auto discover = [&](NodeIndex w, uint64_t before, uint32_t from) {
    if (before & NodeStates::kLeaf) {
      f.number[w] = kLeafBit | static_cast<uint32_t>(leaves.size());
      leaves.push_back(w);
      return;
    }
    const auto number = static_cast<uint32_t>(f.vertex.size());
    f.number[w] = number;
    f.vertex.push_back(w);
    f.parent.push_back(from);
    const std::span<const Edge> edges = graph.out_edges(w);
    __builtin_prefetch(edges.data());
    stack.push_back({edges.data(), edges.data() + edges.size(), number});
  };
  for (const Root& r : graph.roots()) {
    const uint64_t before = state.See(r.node);
    if (before & NodeStates::kSeen) continue;
    discover(r.node, before, 0);
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next == top.end) {
        stack.pop_back();
        continue;
      }
      const NodeIndex w = (top.next++)->target;
      const uint64_t before = state.See(w);
      if (before & NodeStates::kSeen) continue;
      discover(w, before, top.number);  // `top` may dangle from here on
    }
  }
  f.count = static_cast<uint32_t>(f.vertex.size());
  f.vertex.insert(f.vertex.end(), leaves.begin(), leaves.end());
}

// Every edge between reachable nodes as (target, source) numbers, grouped
// by target. Read in node order, the edges' targets are loads that do not
// wait on each other; the grouping is a bucket sort by the target's high
// bits first (a few hundred output streams, written in order), then a
// counting sort inside each bucket, whose counters and output fit in the
// cache: no pass writes at random across the whole array.
void GatherPredecessors(const HeapGraph& graph, DfsForest& f) {
  struct Met {
    uint32_t target;
    uint32_t source;
  };
  const uint32_t n = graph.node_count();
  const auto all = static_cast<uint32_t>(f.vertex.size());
  const uint32_t count = f.count;
  // Leaf tags become their final numbers (without leaves, the bit may
  // be part of a number).
  const bool tagged = all > count;
  const auto final_number = [count, tagged](uint32_t number) {
    return tagged && (number & kLeafBit) ? count + (number & ~kLeafBit) : number;
  };
  constexpr int kBucketBits = 15;
  const size_t buckets = (static_cast<size_t>(all) >> kBucketBits) + 1;
  std::vector<uint32_t> bucket_begin(buckets + 1, 0);
  std::vector<Met> met;
  met.reserve(graph.edge_count() + graph.roots().size());
  for (const Root& r : graph.roots()) {
    const uint32_t t = final_number(f.number[r.node]);
    met.push_back({t, 0});
    ++bucket_begin[(t >> kBucketBits) + 1];
  }
  if (n > 0) {
    const Edge* const edges_end = graph.out_edges(n - 1).data() + graph.out_edges(n - 1).size();
    constexpr ptrdiff_t kAhead = 16;
    for (NodeIndex u = 0; u < n; ++u) {
      const uint32_t source = f.number[u];
      if (source == kNoNode) continue;
      for (const Edge& e : graph.out_edges(u)) {
        if (edges_end - &e > kAhead) __builtin_prefetch(&f.number[(&e + kAhead)->target]);
        const uint32_t t = final_number(f.number[e.target]);
        met.push_back({t, source});
        ++bucket_begin[(t >> kBucketBits) + 1];
      }
    }
  }
  for (size_t b = 0; b < buckets; ++b) bucket_begin[b + 1] += bucket_begin[b];
  // Every slot is written once: no zeroing first.
  const auto bucketed = std::make_unique_for_overwrite<Met[]>(met.size());
  {
    std::vector<uint32_t> next(bucket_begin.begin(), bucket_begin.end() - 1);
    for (const Met& m : met) bucketed[next[m.target >> kBucketBits]++] = m;
  }
  std::vector<Met>().swap(met);
  f.first.assign(static_cast<size_t>(all) + 1, 0);
  f.from = std::make_unique_for_overwrite<uint32_t[]>(bucket_begin[buckets]);
  for (size_t b = 0; b < buckets; ++b) {
    const uint32_t lo = static_cast<uint32_t>(b << kBucketBits);
    const uint32_t hi = std::min<uint32_t>(all, lo + (1u << kBucketBits));
    const std::span<const Met> in(bucketed.get() + bucket_begin[b],
                                  bucket_begin[b + 1] - bucket_begin[b]);
    // first[v + 1] counts v's predecessors, then (summed) where v's end.
    for (const Met& m : in) ++f.first[m.target + 1];
    uint32_t next = bucket_begin[b];
    for (uint32_t v = lo; v < hi; ++v) {
      const uint32_t c = f.first[v + 1];
      f.first[v + 1] = next;  // v's slots start at first[v + 1] for now
      next += c;
    }
    for (const Met& m : in) f.from[f.first[m.target + 1]++] = m.source;
  }
}

// The path-compressed forest of Lengauer–Tarjan's EVAL, by DFS number. SEMI-NCA
// needs only the smallest semi-dominator on a path, not the vertex that has
// it, so each record carries that number itself: one record per vertex, no
// load through a label, and a record is 8 bytes.
struct ForestLink {
  uint32_t ancestor;
  uint32_t min_semi;  // the smallest semi-dominator from here up to the ancestor
};

// EVAL with path compression, without recursion (as LLVM's
// SemiNCAInfo::eval): the smallest semi-dominator on the path from v up to
// the root of its tree in the forest (v linked: numbered above
// `current`, the vertex being processed). `path` has room for every vertex.
inline uint32_t Eval(uint32_t v, uint32_t current, ForestLink* forest, uint32_t* path) {
  uint32_t up = forest[v].ancestor;
  if (up <= current) return forest[v].min_semi;
  uint32_t* top = path;
  do {
    *top++ = v;
    v = up;
    up = forest[v].ancestor;
  } while (up > current);
  // Every vertex on the path now points at the tree's root, carrying the
  // smallest semi-dominator down.
  uint32_t best = forest[v].min_semi;
  do {
    const uint32_t x = *--top;
    forest[x].ancestor = up;
    best = std::min(best, forest[x].min_semi);
    forest[x].min_semi = best;
  } while (top != path);
  return best;
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
  DfsForest f;
  Number(graph, super_root_, f);
  GatherPredecessors(graph, f);
  std::vector<uint32_t>().swap(f.number);
  const uint32_t count = f.count;
  const auto all = static_cast<uint32_t>(f.vertex.size());
  const uint32_t* const from = f.from.get();

  // Semi-dominators, in reverse preorder. A vertex is linked to its DFS
  // parent once processed, so at step i the linked ones are those above i.
  std::vector<uint32_t> idom(f.parent);  // by number; starts as the DFS parent
  std::vector<uint32_t>().swap(f.parent);
  {
    std::vector<ForestLink> forest(count);
    for (uint32_t i = 0; i < count; ++i) forest[i] = {idom[i], i};
    std::vector<uint32_t> semi(count, 0);
    const auto path = std::make_unique_for_overwrite<uint32_t[]>(count);
    // The predecessors are read backwards, one vertex after the other,
    // so their records can be fetched well ahead.
    constexpr uint32_t kAhead = 8;
    for (uint32_t i = count - 1; i >= 1; --i) {
      uint32_t s = idom[i];
      for (uint32_t k = f.first[i + 1]; k-- > f.first[i];) {
        if (k >= kAhead) __builtin_prefetch(&forest[from[k - kAhead]]);
        const uint32_t j = from[k];
        // Not processed yet (numbered below i): its own number is its
        // semi-dominator for now, and its record need not be loaded.
        if (j <= i) {
          s = std::min(s, j);
          continue;
        }
        s = std::min(s, Eval(j, i, forest.data(), path.get()));
      }
      semi[i] = s;
      forest[i].min_semi = s;
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

  // Each leaf's dominator: the nearest common ancestor of its predecessors.
  // Starting from the shallowest one, only that candidate climbs, until it
  // contains every predecessor (an O(1) test on the tree laid out so far).
  if (all > count) {
    const Layout tree = LayOut(idom);
    // A predecessor's depth and slot are read one after the other, at
    // random: side by side, they are one cache miss.
    struct Place {
      uint32_t slot;
      uint32_t depth;
    };
    std::vector<Place> place(count);
    place[0] = {0, 0};
    for (uint32_t i = 1; i < count; ++i) place[i] = {tree.slot[i], place[idom[i]].depth + 1};
    idom.resize(all);
    for (uint32_t leaf = count; leaf < all; ++leaf) {
      const std::span<const uint32_t> preds = f.preds(leaf);
      uint32_t c = preds[0];
      for (uint32_t p : preds) {
        if (place[p].depth < place[c].depth) c = p;
      }
      for (uint32_t p : preds) {
        // The super-root contains everything: the rest need no test (the
        // common case for a string or number shared across the heap).
        if (c == 0) break;
        while (place[p].slot < place[c].slot || place[p].slot - place[c].slot >= tree.size[c]) {
          c = idom[c];
        }
      }
      idom[leaf] = c;
    }
  }
  std::vector<uint32_t>().swap(f.first);
  f.from.reset();
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
