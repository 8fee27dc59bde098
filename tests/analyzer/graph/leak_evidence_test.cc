// What a snapshot adds to `leaks`: hidden references (only those the graph
// and the frames cannot explain, only of the program's own blocks), cyclic
// garbage by site, and the holder of a site's objects with its path.
#include "analyzer/graph/leak_evidence.h"

#include <gtest/gtest.h>

#include "analyzer/graph/snapshot_graph.h"
#include "tests/analyzer/graph/snapshot_scene.h"
#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer::graph {
namespace {

using testing::ReplayOf;
using testing::SnapshotScene;
using testing::TraceBuilder;

struct Program {
  TraceBuilder b;
  uint32_t fill, leak, cycle;
};

// app's module dict -> cache (a dict made at app.py:5) -> k0..k2: Entry
// (fill, app.py:9); k3: an Entry made at app.py:15 with one reference too
// many; two Nodes (app.py:12) referring to each other only; a list held by
// a frame's local; a start-up object nothing refers to.
void Write(Program& p) {
  TraceBuilder& b = p.b;
  b.Thread(1, "MainThread");
  const uint32_t site_startup = b.Stack({{"<module>", "<frozen site>", 1}});
  const uint32_t make = b.Stack({{"<module>", "app.py", 3}});
  const uint32_t cache = b.Stack({{"<module>", "app.py", 5}});
  p.fill = b.Stack({{"<module>", "app.py", 20}, {"fill", "app.py", 9}});
  p.cycle = b.Stack({{"<module>", "app.py", 21}, {"cycle", "app.py", 12}});
  p.leak = b.Stack({{"<module>", "app.py", 22}, {"leak", "app.py", 15}});
  b.At(1000);
  b.Alloc(0x7000, 40, site_startup);  // before the program's first allocation: start-up
  b.Alloc(0x1000, 64, make);
  b.Alloc(0x1100, 200, cache);
  for (uint64_t a : {0x2000, 0x2100, 0x2200}) b.Alloc(a, 48, p.fill);
  b.Alloc(0x4000, 24, p.fill);
  b.Alloc(0x2300, 48, p.leak);
  b.Alloc(0x3000, 32, p.cycle);
  b.Alloc(0x3100, 32, p.cycle);
  SnapshotScene scene(b);
  scene.Snapshot("final",
                 {{0x9000, "module", 56, 1, true, {{0x1000, "__dict__"}}},
                  {0x1000, "dict", 64, 1, true, {{0x1100, "cache"}}},
                  {0x1100,
                   "dict",
                   200,
                   1,
                   true,
                   {{0x2000, "k0"}, {0x2100, "k1"}, {0x2200, "k2"}, {0x2300, "k3"}}},
                  {0x2000, "app.Entry", 48, 1},
                  {0x2100, "app.Entry", 48, 1},
                  {0x2200, "app.Entry", 48, 1},
                  {0x2300, "app.Entry", 48, 2},
                  {0x3000, "app.Node", 32, 1, true, {{0x3100, "other"}}},
                  {0x3100, "app.Node", 32, 1, true, {{0x3000, "other"}}},
                  {0x4000, "list", 24, 1},
                  {0x7000, "dict", 40, 3}},
                 {{"app", 0x9000}}, {{"1\tfill\tlocal", 0x4000}});
  b.End();
}

TEST(LeakEvidenceTest, HiddenReferencesCyclicGarbageAndHolders) {
  Program p;
  Write(p);
  SnapshotGraphBuilder builder;
  auto replay = ReplayOf(p.b, {&builder});
  ASSERT_TRUE(builder.result());
  const ReplayState& state = replay->state();
  const FrameId fill = state.symbols.Site(StackId(p.fill));
  const FrameId leak = state.symbols.Site(StackId(p.leak));
  const FrameId cycle = state.symbols.Site(StackId(p.cycle));
  const FrameId sites[] = {fill, leak, cycle};
  const LeakEvidence evidence = BuildLeakEvidence(*builder.result(), 1, state, sites, 10);

  // Only the Entry with a reference too many: the frame explains the list's,
  // the module was not recorded, the start-up dict is not the program's.
  ASSERT_EQ(evidence.hidden.size(), 1u);
  EXPECT_EQ(evidence.hidden[0].type, "app.Entry");
  EXPECT_EQ(evidence.hidden[0].site_name, "leak (app.py:15)");
  EXPECT_EQ(evidence.hidden[0].objects, 1u);
  EXPECT_EQ(evidence.hidden[0].references, 1u);
  EXPECT_EQ(evidence.hidden[0].bytes, 48u);

  ASSERT_EQ(evidence.cyclic.size(), 1u);
  EXPECT_EQ(evidence.cyclic[0].site_name, "cycle (app.py:12)");
  EXPECT_EQ(evidence.cyclic[0].objects, 2u);
  EXPECT_EQ(evidence.cyclic[0].bytes, 64u);
  EXPECT_EQ(evidence.cyclic[0].types, "app.Node x2");

  const SiteGraphEvidence* filled = evidence.Site(fill);
  ASSERT_NE(filled, nullptr);
  EXPECT_EQ(filled->objects, 4u);  // three entries and the list
  EXPECT_EQ(filled->bytes, 3u * 48 + 24);
  EXPECT_EQ(filled->hidden_objects, 0u);
  EXPECT_EQ(filled->unreachable, 0u);
  ASSERT_TRUE(filled->held_by.held);
  EXPECT_EQ(filled->held_by.holder_type, "dict");
  EXPECT_EQ(filled->held_by.holder_site, "<module> (app.py:5)");
  EXPECT_EQ(filled->held_by.holders, 1u);
  EXPECT_EQ(filled->held_by.objects, 3u);
  EXPECT_EQ(filled->held_by.bytes, 144u);
  EXPECT_EQ(filled->held_by.path.root, "sys.modules['app']");
  ASSERT_EQ(filled->held_by.path.steps.size(), 4u);
  EXPECT_EQ(filled->held_by.path.steps[1].edge, "__dict__");
  EXPECT_EQ(filled->held_by.path.steps[2].edge, "cache");
  EXPECT_EQ(filled->held_by.path.steps[3].edge, "k0");

  // Held from outside (its extra reference): a root itself.
  const SiteGraphEvidence* leaked = evidence.Site(leak);
  ASSERT_NE(leaked, nullptr);
  EXPECT_EQ(leaked->hidden_objects, 1u);
  ASSERT_TRUE(leaked->held_by.held);
  EXPECT_EQ(leaked->held_by.holder_type, "");

  const SiteGraphEvidence* cycled = evidence.Site(cycle);
  ASSERT_NE(cycled, nullptr);
  EXPECT_EQ(cycled->objects, 2u);
  EXPECT_EQ(cycled->unreachable, 2u);
  EXPECT_FALSE(cycled->held_by.held);
}

TEST(LeakEvidenceTest, TheHolderIsTheNearestDominatorOfAnotherSite) {
  // outer list (app.py:3) -> inner lists (app.py:4) -> str (app.py:4): the
  // strings are held by the outer list, past their own site's inner lists.
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t outer = b.Stack({{"<module>", "app.py", 3}});
  const uint32_t inner = b.Stack({{"<module>", "app.py", 4}});
  b.At(1000);
  b.Alloc(0x1000, 56, outer);
  b.Alloc(0x2000, 56, inner);
  b.Alloc(0x2100, 56, inner);
  b.Alloc(0x3000, 50, inner);
  b.Alloc(0x3100, 50, inner);
  SnapshotScene scene(b);
  scene.Snapshot("s",
                 {{0x1000, "list", 56, 1, true, {{0x2000, "[0]"}, {0x2100, "[1]"}}},
                  {0x2000, "list", 56, 1, true, {{0x3000, "[0]"}}},
                  {0x2100, "list", 56, 1, true, {{0x3100, "[0]"}}},
                  {0x3000, "str", 50, 1, false},
                  {0x3100, "str", 50, 1, false}},
                 {}, {{"1\tmain\tdata", 0x1000}});
  b.End();
  SnapshotGraphBuilder builder;
  auto replay = ReplayOf(b, {&builder});
  ASSERT_TRUE(builder.result());
  const FrameId site = replay->state().symbols.Site(StackId(inner));
  const FrameId sites[] = {site};
  const LeakEvidence evidence = BuildLeakEvidence(*builder.result(), 1, replay->state(), sites, 10);
  const SiteGraphEvidence* e = evidence.Site(site);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->objects, 4u);
  EXPECT_EQ(e->held_by.holder_type, "list");
  EXPECT_EQ(e->held_by.holder_site, "<module> (app.py:3)");
  EXPECT_EQ(e->held_by.holders, 1u);
  EXPECT_EQ(e->held_by.objects, 4u);
  EXPECT_EQ(e->held_by.path.root, "MainThread: local 'data' of main()");
}

}  // namespace
}  // namespace arenatrace::analyzer::graph
