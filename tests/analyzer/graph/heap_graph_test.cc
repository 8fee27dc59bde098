// The frozen graph: CSR edges as given, interned names, lookup by address,
// and the external roots CPython's collector would find (refcount minus the
// references from tracked objects), on small graphs with exact answers.
#include "analyzer/graph/heap_graph.h"

#include <gtest/gtest.h>

#include <vector>

namespace arenatrace::analyzer::graph {
namespace {

std::vector<NodeIndex> Targets(const HeapGraph& g, NodeIndex n) {
  std::vector<NodeIndex> out;
  for (const Edge& e : g.out_edges(n)) out.push_back(e.target);
  return out;
}

TEST(HeapGraphTest, EdgesInTheOrderGivenWithDuplicates) {
  HeapGraphBuilder b;
  const NameId dict = b.Intern("dict");
  const NameId key = b.Intern("key");
  EXPECT_EQ(b.Intern("dict"), dict);
  EXPECT_EQ(b.Intern(""), kNoName);
  for (int i = 0; i < 4; ++i) b.AddNode(0x100 + i, dict, 64, 1, true);
  b.AddEdge(2, 1, key);
  b.AddEdge(0, 3, 0);
  b.AddEdge(2, 1, key);  // one dict holding one object twice
  b.AddEdge(2, 0, 0);
  b.AddEdge(0, 2, key);
  const HeapGraph g = std::move(b).Finish();
  EXPECT_EQ(g.node_count(), 4u);
  EXPECT_EQ(g.edge_count(), 5u);
  EXPECT_EQ(Targets(g, 0), (std::vector<NodeIndex>{3, 2}));
  EXPECT_TRUE(g.out_edges(1).empty());
  EXPECT_EQ(Targets(g, 2), (std::vector<NodeIndex>{1, 1, 0}));
  EXPECT_EQ(g.out_edges(2)[0].name, key);
  EXPECT_EQ(g.out_edges(2)[2].name, kNoName);
  ASSERT_EQ(g.strings().size(), 3u);
  EXPECT_EQ(g.string(key), "key");
  EXPECT_EQ(g.string(kNoName), "");

  const InEdges in(g);
  ASSERT_EQ(in.of(1).size(), 2u);
  EXPECT_EQ(in.of(1)[0].source, 2u);
  EXPECT_EQ(in.of(1)[0].name, key);
  ASSERT_EQ(in.of(0).size(), 1u);
  EXPECT_EQ(in.of(0)[0].source, 2u);
  EXPECT_TRUE(in.of(3).size() == 1 && in.of(3)[0].source == 0);
}

TEST(HeapGraphTest, FindByAddressSortedAndUnsorted) {
  for (bool sorted : {true, false}) {
    HeapGraphBuilder b;
    const uint64_t addresses[] = {0x10, 0x20, 0x30, 0x40};
    for (int i = 0; i < 4; ++i) b.AddNode(addresses[sorted ? i : 3 - i], 0, 8, 0, false);
    b.AddNode(sorted ? 0x40 : 0x10, 0, 8, 0, false);  // a duplicate address: the first wins
    const HeapGraph g = std::move(b).Finish();
    SCOPED_TRACE(sorted ? "sorted" : "unsorted");
    EXPECT_EQ(g.FindByAddress(0x10), sorted ? 0u : 3u);
    EXPECT_EQ(g.FindByAddress(0x20), sorted ? 1u : 2u);
    EXPECT_EQ(g.FindByAddress(0x40), sorted ? 3u : 0u);
    EXPECT_EQ(g.FindByAddress(0x18), kNoNode);
    EXPECT_EQ(g.FindByAddress(0x8), kNoNode);
    EXPECT_EQ(g.FindByAddress(0x48), kNoNode);
  }
}

// gc's rule: refcount minus the references from tracked objects.
TEST(HeapGraphTest, ExternalRootsFromRefcounts) {
  HeapGraphBuilder b;
  const NameId obj = b.Intern("object");
  const NameId str = b.Intern("str");
  // 0: tracked, refcount 1, no referrer: held from C (external 1).
  const NodeIndex held = b.AddNode(0xa0, obj, 16, 1, true);
  // 1: tracked, refcount 2, held twice by 0 (a dict value twice): explained.
  const NodeIndex twice = b.AddNode(0xb0, obj, 16, 2, true);
  // 2: tracked, refcount 3: one reference from 1 (tracked), one from 3
  // (untracked: never traversed, so unexplained): external 2.
  const NodeIndex mixed = b.AddNode(0xc0, obj, 16, 3, true);
  // 3: untracked, refcount 5, no referrer: an untracked leaf is never a root.
  const NodeIndex leaf = b.AddNode(0xd0, str, 40, 5, false);
  // 4: tracked, refcount 1, referring only to itself: cyclic garbage.
  const NodeIndex loop = b.AddNode(0xe0, obj, 16, 1, true);
  // 5 <-> 6: a cycle; 6's refcount 2 has one reference from outside.
  const NodeIndex c5 = b.AddNode(0xf0, obj, 16, 1, true);
  const NodeIndex c6 = b.AddNode(0x100, obj, 16, 2, true);
  // 7: tracked, named root too, with an unexplained reference: listed twice.
  const NodeIndex module = b.AddNode(0x110, obj, 16, 2, true);
  // 8: over-explained (a stale refcount): negative, not a root.
  const NodeIndex stale = b.AddNode(0x120, obj, 16, 0, true);
  b.AddEdge(held, twice, 0);
  b.AddEdge(held, twice, 0);
  b.AddEdge(twice, mixed, 0);
  b.AddEdge(leaf, mixed, 0);
  b.AddEdge(loop, loop, 0);
  b.AddEdge(c5, c6, 0);
  b.AddEdge(c6, c5, 0);
  b.AddEdge(c6, stale, 0);
  b.AddEdge(leaf, leaf, 0);
  b.AddRoot(module, RootKind::kModule, b.Intern("mod"));
  b.AddRoot(twice, RootKind::kThreadFrame, b.Intern("f"));
  const HeapGraph g = std::move(b).Finish();

  EXPECT_EQ(g.ExternalReferences(held), 1);
  EXPECT_EQ(g.ExternalReferences(twice), 0);
  EXPECT_EQ(g.ExternalReferences(mixed), 2);
  EXPECT_EQ(g.ExternalReferences(leaf), 0);
  EXPECT_EQ(g.ExternalReferences(loop), 0);
  EXPECT_EQ(g.ExternalReferences(c5), 0);
  EXPECT_EQ(g.ExternalReferences(c6), 1);
  EXPECT_EQ(g.ExternalReferences(module), 2);
  EXPECT_EQ(g.ExternalReferences(stale), -1);

  // Named roots first, as given; then the external ones in node order.
  ASSERT_EQ(g.roots().size(), 6u);
  EXPECT_EQ(g.roots()[0].node, module);
  EXPECT_EQ(g.roots()[0].kind, RootKind::kModule);
  EXPECT_EQ(g.string(g.roots()[0].name), "mod");
  EXPECT_EQ(g.roots()[1].node, twice);
  EXPECT_EQ(g.roots()[1].kind, RootKind::kThreadFrame);
  const NodeIndex external[] = {held, mixed, c6, module};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(g.roots()[2 + i].node, external[i]);
    EXPECT_EQ(g.roots()[2 + i].kind, RootKind::kExternal);
    EXPECT_EQ(g.roots()[2 + i].name, kNoName);
  }
}

TEST(HeapGraphTest, EdgesAndRootsToUnknownNodesAreDroppedAndCounted) {
  HeapGraphBuilder b;
  b.AddNode(0x10, 0, 8, 0, true);
  b.AddNode(0x20, 0, 8, 1, true);
  b.AddEdge(0, 1, 0);
  b.AddEdge(0, 2, 0);
  b.AddEdge(7, 1, 0);
  b.AddEdge(0, 1, 99);  // a name never interned reads as unnamed
  b.AddRoot(5, RootKind::kModule, 0);
  b.AddRoot(0, RootKind::kModule, 42);
  const HeapGraph g = std::move(b).Finish();
  EXPECT_EQ(g.edge_count(), 2u);
  EXPECT_EQ(g.dropped_edges(), 2u);
  EXPECT_EQ(g.dropped_roots(), 1u);
  EXPECT_EQ(g.out_edges(0)[1].name, kNoName);
  ASSERT_EQ(g.roots().size(), 1u);  // node 1: refcount 1, two references from 0: not external
  EXPECT_EQ(g.roots()[0].name, kNoName);
  EXPECT_EQ(g.ExternalReferences(1), -1);
}

}  // namespace
}  // namespace arenatrace::analyzer::graph
