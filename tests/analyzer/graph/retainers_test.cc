// Grouped retained sizes: a key's total counts only its topmost nodes, so
// nested lists are not counted twice; and the largest single retainers.
#include "analyzer/graph/retainers.h"

#include <gtest/gtest.h>

#include <vector>

#include "analyzer/graph/dominators.h"
#include "analyzer/graph/heap_graph.h"
#include "analyzer/graph/retained_sizes.h"

namespace arenatrace::analyzer::graph {
namespace {

struct Heap {
  HeapGraph graph;
  NameId module, list, dict, str;
};

// M (module, 1) -> L1 (list, 10) -> L2 (list, 20) -> L3 (list, 30) -> S (str, 5)
// M -> D (dict, 100) -> L4 (list, 40)
// L1 -> X (list, 7) <- D: shared, so dominated by M only.
// G (list, 1000): garbage, counted nowhere.
enum : NodeIndex { M, L1, L2, L3, S, D, L4, X, G };

Heap MakeHeap() {
  HeapGraphBuilder b;
  Heap h;
  h.module = b.Intern("module");
  h.list = b.Intern("list");
  h.dict = b.Intern("dict");
  h.str = b.Intern("str");
  const struct {
    NameId type;
    uint64_t size;
  } nodes[] = {{h.module, 1}, {h.list, 10}, {h.list, 20}, {h.list, 30},  {h.str, 5},
               {h.dict, 100}, {h.list, 40}, {h.list, 7},  {h.list, 1000}};
  for (const auto& n : nodes) b.AddNode(0x1000 + 0x100 * b.node_count(), n.type, n.size, 0, true);
  b.AddEdge(M, L1, 0);
  b.AddEdge(L1, L2, 0);
  b.AddEdge(L2, L3, 0);
  b.AddEdge(L3, S, 0);
  b.AddEdge(M, D, 0);
  b.AddEdge(D, L4, 0);
  b.AddEdge(L1, X, 0);
  b.AddEdge(D, X, 0);
  b.AddEdge(G, L1, 0);
  b.AddRoot(M, RootKind::kModule, b.Intern("app"));
  h.graph = std::move(b).Finish();
  return h;
}

TEST(RetainersTest, ByTypeCountsNestedNodesOnce) {
  const Heap h = MakeHeap();
  const DominatorTree tree(h.graph);
  const std::vector<uint64_t> retained = RetainedSizes(h.graph, tree);
  ASSERT_EQ(retained[M], 1u + 10 + 20 + 30 + 5 + 100 + 40 + 7);
  ASSERT_EQ(retained[L1], 65u);
  ASSERT_EQ(retained[X], 7u);
  const std::vector<uint32_t> keys = TypeNameKeys(h.graph);
  const std::vector<KeyRetention> top = TopRetainersByKey(h.graph, tree, retained, keys, 10);
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0].key, h.module);
  EXPECT_EQ(top[0].retained_size, 213u);
  EXPECT_EQ(top[0].topmost_nodes, 1u);
  EXPECT_EQ(top[1].key, h.dict);
  EXPECT_EQ(top[1].retained_size, 140u);
  // Lists: L1 (65, holding L2 and L3), L4 (40), X (7); not L2 or L3 again,
  // and not the garbage G.
  EXPECT_EQ(top[2].key, h.list);
  EXPECT_EQ(top[2].retained_size, 112u);
  EXPECT_EQ(top[2].topmost_nodes, 3u);
  EXPECT_EQ(top[2].nodes, 5u);
  EXPECT_EQ(top[2].self_size, 107u);
  EXPECT_EQ(top[3].key, h.str);
  EXPECT_EQ(top[3].retained_size, 5u);
  EXPECT_EQ(top[3].nodes, 1u);

  const std::vector<KeyRetention> two = TopRetainersByKey(h.graph, tree, retained, keys, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].key, h.dict);
}

TEST(RetainersTest, CallerKeysAndNodesLeftOut) {
  const Heap h = MakeHeap();
  const DominatorTree tree(h.graph);
  const std::vector<uint64_t> retained = RetainedSizes(h.graph, tree);
  // Allocation sites: 7 for L1 and L3 (nested, through L2 of site 8), 8 for
  // L2 and L4 (not nested), D and X left out; M and S site 9.
  std::vector<uint32_t> sites = {9, 7, 8, 7, 9, kNoKey, 8, kNoKey, 7};
  const std::vector<KeyRetention> top = TopRetainersByKey(h.graph, tree, retained, sites, 10);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].key, 9u);
  EXPECT_EQ(top[0].retained_size, 213u);  // S is under M
  EXPECT_EQ(top[0].topmost_nodes, 1u);
  EXPECT_EQ(top[0].nodes, 2u);
  EXPECT_EQ(top[1].key, 8u);
  EXPECT_EQ(top[1].retained_size, 55u + 40);
  EXPECT_EQ(top[1].topmost_nodes, 2u);
  EXPECT_EQ(top[2].key, 7u);
  EXPECT_EQ(top[2].retained_size, 65u);  // L3 inside L1's
  EXPECT_EQ(top[2].topmost_nodes, 1u);
  EXPECT_EQ(top[2].nodes, 2u);  // G is unreachable
  EXPECT_TRUE(TopRetainersByKey(h.graph, tree, retained, sites, 0).empty());
}

TEST(RetainersTest, TopNodesByRetainedSize) {
  const Heap h = MakeHeap();
  const DominatorTree tree(h.graph);
  const std::vector<uint64_t> retained = RetainedSizes(h.graph, tree);
  const std::vector<NodeRetention> top = TopNodesByRetainedSize(tree, retained, 4);
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0].node, M);
  EXPECT_EQ(top[0].retained_size, 213u);
  EXPECT_EQ(top[1].node, D);
  EXPECT_EQ(top[1].retained_size, 140u);
  EXPECT_EQ(top[2].node, L1);
  EXPECT_EQ(top[3].node, L2);
  EXPECT_EQ(top[3].retained_size, 55u);
  EXPECT_EQ(TopNodesByRetainedSize(tree, retained, 100).size(), 8u);  // G is not in the tree
  // Ties: the lower node index first.
  HeapGraphBuilder b;
  for (int i = 0; i < 3; ++i) b.AddNode(i, 0, 5, 1, true);
  const HeapGraph flat = std::move(b).Finish();
  const DominatorTree flat_tree(flat);
  const std::vector<NodeRetention> tied =
      TopNodesByRetainedSize(flat_tree, RetainedSizes(flat, flat_tree), 2);
  ASSERT_EQ(tied.size(), 2u);
  EXPECT_EQ(tied[0].node, 0u);
  EXPECT_EQ(tied[1].node, 1u);
}

}  // namespace
}  // namespace arenatrace::analyzer::graph
