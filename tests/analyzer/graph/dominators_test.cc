// The dominator tree, retained sizes and unreachable nodes against brute
// force (d dominates v iff removing d cuts v off from the super-root) on
// hundreds of seeded random graphs, and on graphs deep enough that any
// recursion would overflow the stack.
#include "analyzer/graph/dominators.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "analyzer/graph/heap_graph.h"
#include "analyzer/graph/retained_sizes.h"
#include "analyzer/graph/unreachable.h"

namespace arenatrace::analyzer::graph {
namespace {

enum class Shape { kSparse, kDense, kCycles, kTreeWithBackEdges, kLoopsAndDuplicates, kIslands };

struct RandomEdges {
  uint32_t nodes = 0;
  std::vector<std::pair<uint32_t, uint32_t>> edges;
};

RandomEdges MakeEdges(Shape shape, std::mt19937& rng) {
  auto below = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  RandomEdges g;
  switch (shape) {
    case Shape::kSparse:
      g.nodes = 1 + below(60);
      for (uint32_t i = 0, m = g.nodes + below(g.nodes); i < m; ++i) {
        g.edges.push_back({below(g.nodes), below(g.nodes)});
      }
      break;
    case Shape::kDense:
      g.nodes = 1 + below(24);
      for (uint32_t i = 0, m = g.nodes * g.nodes / 2; i < m; ++i) {
        g.edges.push_back({below(g.nodes), below(g.nodes)});
      }
      break;
    case Shape::kCycles:
      g.nodes = 2 + below(50);
      for (uint32_t i = 0; i < g.nodes; ++i) g.edges.push_back({i, (i + 1) % g.nodes});
      for (uint32_t i = 0, m = below(g.nodes / 2 + 1); i < m; ++i) {
        g.edges.push_back({below(g.nodes), below(g.nodes)});
      }
      break;
    case Shape::kTreeWithBackEdges:
      g.nodes = 1 + below(60);
      for (uint32_t i = 1; i < g.nodes; ++i) g.edges.push_back({below(i), i});
      for (uint32_t i = 0, m = below(g.nodes / 3 + 1); i < m; ++i) {
        const uint32_t to = below(g.nodes);
        g.edges.push_back({to + below(g.nodes - to), to});  // toward the root
      }
      break;
    case Shape::kLoopsAndDuplicates:
      g.nodes = 1 + below(30);
      for (uint32_t i = 0, m = 2 * g.nodes; i < m; ++i) {
        const uint32_t from = below(g.nodes);
        const uint32_t kind = below(3);
        const uint32_t to = kind == 0 ? from : below(g.nodes);
        g.edges.push_back({from, to});
        if (kind == 1) g.edges.push_back({from, to});
      }
      break;
    case Shape::kIslands:
      // Several components, only some of which a root reaches.
      g.nodes = 3 + below(60);
      for (uint32_t i = 0, m = g.nodes + below(g.nodes); i < m; ++i) {
        const uint32_t island = below(3);
        const uint32_t lo = island * g.nodes / 3;
        const uint32_t hi = (island + 1) * g.nodes / 3;
        g.edges.push_back({lo + below(hi - lo), lo + below(hi - lo)});
      }
      break;
  }
  return g;
}

// Tracked nodes get the refcount their tracked referrers explain, plus one
// now and then: those become external roots, besides 0-3 named ones.
HeapGraph BuildRandom(const RandomEdges& shape, std::mt19937& rng) {
  HeapGraphBuilder b;
  const NameId type = b.Intern("object");
  std::vector<uint8_t> tracked(shape.nodes);
  std::vector<int64_t> refs(shape.nodes, 0);
  for (auto& t : tracked) t = rng() % 5 != 0;
  for (auto [from, to] : shape.edges) refs[to] += tracked[from];
  for (uint32_t i = 0; i < shape.nodes; ++i) {
    const int64_t extra = rng() % 10 == 0 ? 1 : 0;
    b.AddNode(0x1000 + 16 * i, type, 1 + rng() % 100, refs[i] + extra, tracked[i] != 0);
  }
  for (auto [from, to] : shape.edges) b.AddEdge(from, to, kNoName);
  for (uint32_t i = 0, m = rng() % 4; i < m; ++i) {
    b.AddRoot(static_cast<NodeIndex>(rng() % shape.nodes), RootKind::kModule, b.Intern("m"));
  }
  return std::move(b).Finish();
}

// Nodes reached from the super-root without passing through `removed`.
std::vector<uint8_t> ReachedWithout(const HeapGraph& g, NodeIndex removed) {
  std::vector<uint8_t> seen(g.node_count(), 0);
  std::vector<NodeIndex> todo;
  for (const Root& r : g.roots()) {
    if (r.node != removed && !seen[r.node]) {
      seen[r.node] = 1;
      todo.push_back(r.node);
    }
  }
  while (!todo.empty()) {
    const NodeIndex v = todo.back();
    todo.pop_back();
    for (const Edge& e : g.out_edges(v)) {
      if (e.target != removed && !seen[e.target]) {
        seen[e.target] = 1;
        todo.push_back(e.target);
      }
    }
  }
  return seen;
}

void CheckAgainstOracle(const HeapGraph& g, const DominatorTree& tree) {
  const uint32_t n = g.node_count();
  const std::vector<uint8_t> reached = ReachedWithout(g, kNoNode);
  // strictly[d][v]: d strictly dominates v.
  std::vector<std::vector<uint8_t>> strictly(n);
  for (NodeIndex d = 0; d < n; ++d) {
    const std::vector<uint8_t> without = ReachedWithout(g, d);
    strictly[d].resize(n);
    for (NodeIndex v = 0; v < n; ++v) strictly[d][v] = v != d && reached[v] && !without[v];
  }
  const std::vector<uint64_t> retained = RetainedSizes(g, tree);
  ASSERT_EQ(retained.size(), n + 1u);
  uint64_t reachable_bytes = 0;
  uint32_t reachable_count = 0;
  for (NodeIndex v = 0; v < n; ++v) {
    ASSERT_EQ(tree.reachable(v), reached[v] != 0) << "node " << v;
    if (!reached[v]) {
      EXPECT_EQ(tree.idom(v), kNoNode);
      EXPECT_EQ(retained[v], 0u);
      EXPECT_EQ(tree.position(v), kNoNode);
      continue;
    }
    reachable_bytes += g.self_size(v);
    ++reachable_count;
    // The idom chain is exactly the set of strict dominators.
    std::vector<uint8_t> on_chain(n, 0);
    uint32_t chain = 0;
    for (NodeIndex d = tree.idom(v); d != tree.super_root(); d = tree.idom(d)) {
      ASSERT_LT(d, n);
      ASSERT_LE(++chain, n);
      on_chain[d] = 1;
    }
    uint64_t expected_retained = g.self_size(v);
    for (NodeIndex w = 0; w < n; ++w) {
      EXPECT_EQ(on_chain[w] != 0, strictly[w][v] != 0) << "dominator " << w << " of " << v;
      EXPECT_EQ(tree.Dominates(w, v), w == v || strictly[w][v]) << w << " over " << v;
      if (strictly[v][w]) expected_retained += g.self_size(w);
    }
    EXPECT_TRUE(tree.Dominates(tree.super_root(), v));
    EXPECT_EQ(retained[v], expected_retained) << "node " << v;
  }
  EXPECT_EQ(tree.reachable_count(), reachable_count);
  EXPECT_EQ(retained[tree.super_root()], reachable_bytes);
  // Each node after its dominator; children are the nodes it immediately dominates.
  for (NodeIndex parent = 0; parent <= n; ++parent) {
    if (!tree.reachable(parent)) continue;
    std::vector<NodeIndex> expected;
    for (NodeIndex v : tree.preorder()) {
      if (tree.idom(v) == parent) expected.push_back(v);
    }
    EXPECT_EQ(tree.Children(parent), expected) << "children of " << parent;
  }
  for (NodeIndex v : tree.preorder()) {
    if (tree.idom(v) != tree.super_root()) {
      EXPECT_LT(tree.position(tree.idom(v)), tree.position(v));
    }
  }
  std::vector<NodeIndex> garbage;
  for (NodeIndex v = 0; v < n; ++v) {
    if (!reached[v] && g.tracked(v)) garbage.push_back(v);
  }
  EXPECT_EQ(UnreachableNodes(g, tree), garbage);
}

TEST(DominatorTreeTest, MatchesBruteForceOnRandomGraphs) {
  const Shape shapes[] = {Shape::kSparse,
                          Shape::kDense,
                          Shape::kCycles,
                          Shape::kTreeWithBackEdges,
                          Shape::kLoopsAndDuplicates,
                          Shape::kIslands};
  int nontrivial = 0;
  for (uint32_t seed = 0; seed < 600; ++seed) {
    std::mt19937 rng(seed);
    const Shape shape = shapes[seed % 6];
    const HeapGraph g = BuildRandom(MakeEdges(shape, rng), rng);
    const DominatorTree tree(g);
    SCOPED_TRACE(testing::Message() << "seed " << seed << ", shape " << static_cast<int>(shape));
    CheckAgainstOracle(g, tree);
    if (HasFatalFailure()) return;
    for (NodeIndex v : tree.preorder()) nontrivial += tree.idom(v) != tree.super_root();
  }
  // The graphs do exercise real dominators, not only the super-root.
  EXPECT_GT(nontrivial, 3000);
}

TEST(DominatorTreeTest, HandGraphWithTwoPathsToAJoin) {
  // r -> a -> c, r -> b -> c, c -> d, d -> c: c and d are dominated by r only.
  HeapGraphBuilder b;
  const NameId t = b.Intern("t");
  for (int i = 0; i < 5; ++i) b.AddNode(i, t, 10 + i, 0, false);
  b.AddEdge(0, 1, 0);
  b.AddEdge(0, 2, 0);
  b.AddEdge(1, 3, 0);
  b.AddEdge(2, 3, 0);
  b.AddEdge(3, 4, 0);
  b.AddEdge(4, 3, 0);
  b.AddRoot(0, RootKind::kModule, b.Intern("m"));
  const HeapGraph g = std::move(b).Finish();
  const DominatorTree tree(g);
  EXPECT_EQ(tree.idom(0), tree.super_root());
  EXPECT_EQ(tree.idom(1), 0u);
  EXPECT_EQ(tree.idom(2), 0u);
  EXPECT_EQ(tree.idom(3), 0u);
  EXPECT_EQ(tree.idom(4), 3u);
  const std::vector<uint64_t> retained = RetainedSizes(g, tree);
  EXPECT_EQ(retained[0], 10u + 11 + 12 + 13 + 14);
  EXPECT_EQ(retained[1], 11u);
  EXPECT_EQ(retained[3], 13u + 14);
  EXPECT_EQ(retained[5], 60u);
}

TEST(DominatorTreeTest, EmptyGraphAndNoRoots) {
  const HeapGraph empty = HeapGraphBuilder().Finish();
  const DominatorTree tree(empty);
  EXPECT_EQ(tree.super_root(), 0u);
  EXPECT_EQ(tree.reachable_count(), 0u);
  EXPECT_TRUE(tree.Children(tree.super_root()).empty());
  EXPECT_EQ(RetainedSizes(empty, tree), std::vector<uint64_t>{0});

  HeapGraphBuilder b;
  b.AddNode(1, 0, 8, 0, true);
  b.AddNode(2, 0, 8, 0, false);
  const HeapGraph orphans = std::move(b).Finish();
  const DominatorTree none(orphans);
  EXPECT_EQ(none.idom(0), kNoNode);
  EXPECT_EQ(none.idom(1), kNoNode);
  EXPECT_FALSE(none.Dominates(none.super_root(), 0));
  EXPECT_EQ(UnreachableNodes(orphans, none), std::vector<NodeIndex>{0});
  EXPECT_EQ(UnreachableNodes(orphans, none, true), (std::vector<NodeIndex>{0, 1}));
}

// A linked list of 10^6 objects is a DFS 10^6 deep: recursion would need
// far more than the 8 MiB main stack (and ASan's redzones make frames bigger).
TEST(DominatorTreeTest, MillionLongChainWithoutRecursion) {
  constexpr uint32_t kLength = 1'000'000;
  HeapGraphBuilder b;
  const NameId node = b.Intern("Node");
  const NameId next = b.Intern("next");
  // Added last to first, so that node order and DFS order disagree.
  for (uint32_t i = 0; i < kLength; ++i) b.AddNode(0x10000 + 32 * i, node, 32, 1, true);
  for (uint32_t i = kLength - 1; i > 0; --i) b.AddEdge(kLength - i, kLength - i - 1, next);
  // Node kLength - 1 is the head, held by a C global (refcount 1, no referrer).
  const HeapGraph g = std::move(b).Finish();
  ASSERT_EQ(g.roots().size(), 1u);
  EXPECT_EQ(g.roots()[0].node, kLength - 1);
  EXPECT_EQ(g.roots()[0].kind, RootKind::kExternal);
  const DominatorTree tree(g);
  EXPECT_EQ(tree.reachable_count(), kLength);
  EXPECT_EQ(tree.idom(kLength - 1), tree.super_root());
  for (uint32_t i = 0; i + 1 < kLength; ++i) ASSERT_EQ(tree.idom(i), i + 1) << i;
  EXPECT_TRUE(tree.Dominates(kLength - 1, 0));
  EXPECT_FALSE(tree.Dominates(0, kLength - 1));
  const std::vector<uint64_t> retained = RetainedSizes(g, tree);
  for (uint32_t i = 0; i < kLength; ++i) ASSERT_EQ(retained[i], 32ull * (i + 1)) << i;
  EXPECT_EQ(retained[tree.super_root()], 32ull * kLength);
}

// A spine where each vertex also reaches the next one through a side node:
// 500,000 levels deep, and every spine node has two predecessors, so the
// semi-dominator and ancestor steps do real work at depth.
TEST(DominatorTreeTest, DeepTreeWithSideDoorsWithoutRecursion) {
  constexpr uint32_t kLevels = 500'000;
  HeapGraphBuilder b;
  const NameId type = b.Intern("list");
  // spine i: node 2i, its side node: 2i + 1.
  for (uint32_t i = 0; i < 2 * kLevels; ++i)
    b.AddNode(0x10000 + 64 * i, type, i % 2 ? 1 : 2, 0, true);
  for (uint32_t i = 0; i + 1 < kLevels; ++i) {
    b.AddEdge(2 * i, 2 * i + 1, 0);
    b.AddEdge(2 * i + 1, 2 * i + 2, 0);
    b.AddEdge(2 * i, 2 * i + 2, 0);
  }
  b.AddEdge(2 * kLevels - 2, 2 * kLevels - 1, 0);
  b.AddEdge(2 * kLevels - 1, 0, 0);  // a back edge to the top: one big cycle
  b.AddRoot(0, RootKind::kThreadFrame, b.Intern("main"));
  const HeapGraph g = std::move(b).Finish();
  const DominatorTree tree(g);
  EXPECT_EQ(tree.reachable_count(), 2 * kLevels);
  for (uint32_t i = 1; i < kLevels; ++i) {
    ASSERT_EQ(tree.idom(2 * i), 2 * i - 2) << i;
    ASSERT_EQ(tree.idom(2 * i + 1), 2 * i) << i;
  }
  const std::vector<uint64_t> retained = RetainedSizes(g, tree);
  EXPECT_EQ(retained[0], 3ull * kLevels);
  EXPECT_EQ(retained[2 * (kLevels - 1)], 3u);
  EXPECT_EQ(retained[2], 3ull * (kLevels - 1));
  EXPECT_EQ(tree.Children(0), (std::vector<NodeIndex>{1, 2}));
}

TEST(CyclesTest, ComponentsOfTheGarbage) {
  // 0 <-> 1 -> 2 -> 2 (twice), 3 -> 3, 4 -> 5 -> 6 -> 4, 7 -> 3; all
  // refcounts 1. Only 7 has a reference its referrers do not explain.
  HeapGraphBuilder b;
  for (int i = 0; i < 8; ++i) b.AddNode(i, 0, 1, 1, true);
  b.AddEdge(0, 1, 0);
  b.AddEdge(1, 0, 0);
  b.AddEdge(1, 2, 0);
  b.AddEdge(2, 2, 0);
  b.AddEdge(2, 2, 0);
  b.AddEdge(3, 3, 0);
  b.AddEdge(4, 5, 0);
  b.AddEdge(5, 6, 0);
  b.AddEdge(6, 4, 0);
  b.AddEdge(7, 3, 0);
  const HeapGraph g = std::move(b).Finish();
  ASSERT_EQ(g.roots().size(), 1u);
  EXPECT_EQ(g.roots()[0].node, 7u);
  const DominatorTree tree(g);
  const std::vector<NodeIndex> garbage = UnreachableNodes(g, tree);
  EXPECT_EQ(garbage, (std::vector<NodeIndex>{0, 1, 2, 4, 5, 6}));
  const auto cycles = Cycles(g, garbage);
  ASSERT_EQ(cycles.size(), 3u);
  EXPECT_EQ(cycles[0], (std::vector<NodeIndex>{4, 5, 6}));
  EXPECT_EQ(cycles[1], (std::vector<NodeIndex>{0, 1}));
  EXPECT_EQ(cycles[2], (std::vector<NodeIndex>{2}));
  // Edges leaving the set do not count: without 0, 1 is no cycle.
  EXPECT_TRUE(Cycles(g, {1}).empty());
}

}  // namespace
}  // namespace arenatrace::analyzer::graph
