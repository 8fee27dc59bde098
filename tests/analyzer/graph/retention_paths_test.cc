// Shortest retention paths: fewest hops, then fewest unnamed edges, then a
// named root over an external one, on hand graphs where the candidates tie.
#include "analyzer/graph/retention_paths.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analyzer/graph/heap_graph.h"

namespace arenatrace::analyzer::graph {
namespace {

// "root-name: node.edge>node..." for readable failures.
std::string Describe(const HeapGraph& g, const RetentionPath& p) {
  if (!p.found()) return "(none)";
  std::string s = std::string(g.string(p.root.name)) + "[" +
                  std::to_string(static_cast<int>(p.root.kind)) + "]:";
  for (size_t i = 0; i < p.hops.size(); ++i) {
    if (i > 0) s += "-" + std::string(g.string(p.hops[i].edge_name)) + "->";
    s += std::to_string(p.hops[i].node);
  }
  return s;
}

TEST(RetentionPathsTest, NamedEdgesWinAmongEquallyShortPaths) {
  HeapGraphBuilder b;
  const NameId t = b.Intern("object");
  for (int i = 0; i < 9; ++i) b.AddNode(0x100 * (i + 1), t, 8, 0, false);
  const NameId x = b.Intern("x");
  const NameId y = b.Intern("y");
  const NameId z = b.Intern("z");
  // 0 (root) -> 1 -> 3 unnamed, found first; 0 -x-> 2 -y-> 3 named.
  b.AddEdge(0, 1, 0);
  b.AddEdge(0, 2, x);
  b.AddEdge(1, 3, 0);
  b.AddEdge(2, 3, y);
  // 3 -> 4 unnamed; 0 -z-> 5 -z-> 6 -z-> 8 -z-> 4 named but one hop longer.
  b.AddEdge(3, 4, 0);
  b.AddEdge(0, 5, z);
  b.AddEdge(5, 6, z);
  b.AddEdge(6, 8, z);
  b.AddEdge(8, 4, z);
  // 7: unreachable.
  b.AddRoot(0, RootKind::kModule, b.Intern("app"));
  const HeapGraph g = std::move(b).Finish();
  const RetentionPaths paths(g);
  EXPECT_EQ(Describe(g, paths.PathTo(3)), "app[1]:0-x->2-y->3");
  // Fewer hops beats named edges.
  EXPECT_EQ(Describe(g, paths.PathTo(4)), "app[1]:0-x->2-y->3-->4");
  EXPECT_EQ(paths.hops(4), 3u);
  EXPECT_EQ(Describe(g, paths.PathTo(0)), "app[1]:0");
  EXPECT_FALSE(paths.PathTo(7).found());
  EXPECT_EQ(paths.hops(7), kNoNode);
  const RetentionPath p = paths.PathTo(3);
  EXPECT_EQ(p.root.node, 0u);
  ASSERT_EQ(p.hops.size(), 3u);
  EXPECT_EQ(p.hops[0].edge_name, kNoName);
  EXPECT_EQ(p.hops[1].edge_name, x);
  EXPECT_EQ(p.hops[2].edge_name, y);
}

// The better path's first hop is found late in its layer: its cost must
// still reach the nodes after it.
TEST(RetentionPathsTest, AnImprovementCarriesDownThePath) {
  HeapGraphBuilder b;
  for (int i = 0; i < 6; ++i) b.AddNode(i, 0, 8, 0, false);
  const NameId a = b.Intern("a");
  b.AddEdge(0, 2, 0);  // 0 -> 2 -> 3 unnamed
  b.AddEdge(1, 3, a);  // 1 -a-> 3
  b.AddEdge(2, 3, 0);
  b.AddEdge(3, 4, a);
  b.AddEdge(4, 5, a);
  b.AddRoot(0, RootKind::kModule, b.Intern("first"));
  b.AddRoot(1, RootKind::kModule, b.Intern("second"));
  // From 0: 0 -> 2 -> 3 is two hops; from 1: 1 -a-> 3 is one. Fewest hops.
  const HeapGraph g = std::move(b).Finish();
  const RetentionPaths paths(g);
  EXPECT_EQ(Describe(g, paths.PathTo(5)), "second[1]:1-a->3-a->4-a->5");
}

TEST(RetentionPathsTest, ALaterBetterParentInTheSameLayerWins) {
  HeapGraphBuilder b;
  for (int i = 0; i < 5; ++i) b.AddNode(i, 0, 8, 0, false);
  const NameId k = b.Intern("k");
  b.AddEdge(0, 1, 0);  // found first: 0 -> 1 -> 3 unnamed
  b.AddEdge(0, 2, k);
  b.AddEdge(1, 3, 0);
  b.AddEdge(2, 3, 0);  // 0 -k-> 2 -> 3: one unnamed edge fewer
  b.AddEdge(3, 4, k);
  b.AddRoot(0, RootKind::kOther, b.Intern("r"));
  const HeapGraph g = std::move(b).Finish();
  const RetentionPaths paths(g);
  EXPECT_EQ(Describe(g, paths.PathTo(4)), "r[5]:0-k->2-->3-k->4");
}

TEST(RetentionPathsTest, NamedRootOverExternalAtEqualCost) {
  HeapGraphBuilder b;
  const NameId f = b.Intern("f");
  const NameId g_name = b.Intern("g");
  // 0: held from C (refcount 1, no referrer); 1: a named root, also held
  // from C. 2 is reached by 1 unnamed but by 0 named, so its best path is
  // the external root's, and it comes first in its layer; 4 is then reached
  // through 2 (from the external root) first, and through 3 (from the named
  // root) at the same length and names: the named root must win.
  b.AddNode(0x10, 0, 8, 1, true);
  b.AddNode(0x20, 0, 8, 1, true);
  b.AddNode(0x30, 0, 8, 2, true);
  b.AddNode(0x40, 0, 8, 1, true);
  b.AddNode(0x50, 0, 8, 2, true);
  b.AddNode(0x60, 0, 8, 1, true);
  b.AddEdge(1, 2, 0);
  b.AddEdge(1, 3, f);
  b.AddEdge(0, 2, f);
  b.AddEdge(2, 4, g_name);
  b.AddEdge(3, 4, g_name);
  b.AddEdge(0, 5, f);  // 5: through the external root only
  b.AddRoot(1, RootKind::kBuiltins, b.Intern("builtins"));
  const HeapGraph g = std::move(b).Finish();
  ASSERT_EQ(g.roots().size(), 3u);  // builtins, then 0 and 1 as external
  const RetentionPaths paths(g);
  // The named root, though its edge is unnamed: an external root counts
  // kExternalRootDepth hops more.
  EXPECT_EQ(Describe(g, paths.PathTo(2)), "builtins[3]:1-->2");
  EXPECT_EQ(Describe(g, paths.PathTo(4)), "builtins[3]:1-f->3-g->4");
  EXPECT_EQ(Describe(g, paths.PathTo(1)), "builtins[3]:1");
  EXPECT_EQ(Describe(g, paths.PathTo(5)), "[0]:0-f->5");
}

TEST(RetentionPathsTest, ANamedRootWinsUpToThreeHopsMoreThanAnExternalOne) {
  // 5: external 0 -f-> 5, or from m five hops away (1 2 3 4 7 5): the
  // external root, four hops "shorter". 6: 0 -f-> 6, or three hops from m
  // (1 2 3 6): the named root, three hops longer.
  HeapGraphBuilder b;
  const NameId f = b.Intern("f");
  b.AddNode(0x10, 0, 8, 1, true);  // external root
  for (uint64_t a : {0x20, 0x30, 0x40, 0x50}) b.AddNode(a, 0, 8, 1, true);
  b.AddNode(0x60, 0, 8, 2, true);
  b.AddNode(0x70, 0, 8, 2, true);
  b.AddNode(0x80, 0, 8, 1, true);
  b.AddEdge(1, 2, f);
  b.AddEdge(2, 3, f);
  b.AddEdge(3, 4, f);
  b.AddEdge(4, 7, f);
  b.AddEdge(7, 5, f);
  b.AddEdge(0, 5, f);
  b.AddEdge(3, 6, f);
  b.AddEdge(0, 6, f);
  b.AddRoot(1, RootKind::kModule, b.Intern("m"));
  const HeapGraph g = std::move(b).Finish();
  const RetentionPaths paths(g);
  EXPECT_EQ(Describe(g, paths.PathTo(5)), "[0]:0-f->5");
  EXPECT_EQ(paths.hops(5), 1u);
  EXPECT_EQ(Describe(g, paths.PathTo(6)), "m[1]:1-f->2-f->3-f->6");
  EXPECT_EQ(paths.hops(6), 3u);
}

TEST(RetentionPathsTest, MillionHopChain) {
  constexpr uint32_t kLength = 1'000'000;
  HeapGraphBuilder b;
  const NameId next = b.Intern("next");
  for (uint32_t i = 0; i < kLength; ++i) b.AddNode(i, 0, 8, 0, false);
  for (uint32_t i = 0; i + 1 < kLength; ++i) b.AddEdge(i, i + 1, next);
  b.AddRoot(0, RootKind::kModule, b.Intern("head"));
  const HeapGraph g = std::move(b).Finish();
  const RetentionPaths paths(g);
  const RetentionPath p = paths.PathTo(kLength - 1);
  ASSERT_EQ(p.hops.size(), kLength);
  for (uint32_t i = 0; i < kLength; ++i) ASSERT_EQ(p.hops[i].node, i);
  EXPECT_EQ(p.hops.back().edge_name, next);
}

}  // namespace
}  // namespace arenatrace::analyzer::graph
