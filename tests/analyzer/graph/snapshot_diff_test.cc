// Two snapshots of one trace: objects are the same when their blocks are
// the same allocation; what is new, what is gone, and who holds the new.
#include "analyzer/graph/snapshot_diff.h"

#include <gtest/gtest.h>

#include "analyzer/graph/snapshot_graph.h"
#include "tests/analyzer/graph/snapshot_scene.h"
#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer::graph {
namespace {

using testing::ReplayOf;
using testing::SnapshotScene;
using testing::TraceBuilder;

TEST(SnapshotDiffTest, NewObjectsByAllocationIdentityAndTheirHolder) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t cache = b.Stack({{"<module>", "app.py", 5}});
  const uint32_t fill = b.Stack({{"<module>", "app.py", 20}, {"fill", "app.py", 9}});
  const uint32_t temp = b.Stack({{"<module>", "app.py", 30}});
  b.At(1000);
  b.Alloc(0x1100, 200, cache);
  b.Alloc(0x2000, 48, fill);
  b.Alloc(0x3000, 40, temp);
  SnapshotScene scene(b);
  scene.Snapshot("before",
                 {{0x9000, "module", 56, 1, true, {{0x1100, "cache"}, {0x3000, "temp"}}},
                  {0x1100, "dict", 200, 1, true, {{0x2000, "k0"}}},
                  {0x2000, "Entry", 48, 1},
                  {0x3000, "bytes", 40, 1, false}},
                 {{"app", 0x9000}});
  b.Free(0x3000);
  // A new Entry at the freed address: another allocation, so a new object.
  b.Alloc(0x3000, 48, fill);
  b.Alloc(0x2100, 48, fill);
  scene.Snapshot("after",
                 {{0x9000, "module", 56, 1, true, {{0x1100, "cache"}}},
                  {0x1100, "dict", 200, 1, true, {{0x2000, "k0"}, {0x2100, "k1"}, {0x3000, "k2"}}},
                  {0x2000, "Entry", 48, 1},
                  {0x2100, "Entry", 48, 1},
                  {0x3000, "Entry", 48, 1}},
                 {{"app", 0x9000}});
  b.End();
  SnapshotGraphBuilder before(0), after(1);
  auto replay = ReplayOf(b, {&before, &after});
  ASSERT_TRUE(before.result() && after.result());
  const SnapshotDiff diff = DiffSnapshots({&*before.result(), &replay->state()},
                                          {&*after.result(), &replay->state()}, true, 10);
  EXPECT_EQ(diff.new_objects, 2u);
  EXPECT_EQ(diff.new_bytes, 96u);
  EXPECT_EQ(diff.gone_objects, 1u);  // the bytes object
  EXPECT_EQ(diff.gone_bytes, 40u);
  ASSERT_EQ(diff.rows.size(), 2u);
  const SnapshotDiffRow& entries = diff.rows[0];
  EXPECT_EQ(entries.type, "Entry");
  EXPECT_EQ(entries.site, "fill (app.py:9)");
  EXPECT_EQ(entries.a_objects, 1u);
  EXPECT_EQ(entries.b_objects, 3u);
  EXPECT_EQ(entries.change(), 96);
  EXPECT_EQ(entries.new_objects, 2u);
  ASSERT_TRUE(entries.held_by.held);
  EXPECT_EQ(entries.held_by.holder_type, "dict");
  EXPECT_EQ(entries.held_by.holder_site, "<module> (app.py:5)");
  EXPECT_EQ(entries.held_by.objects, 2u);
  const SnapshotDiffRow& gone = diff.rows[1];
  EXPECT_EQ(gone.type, "bytes");
  EXPECT_EQ(gone.change(), -40);
  EXPECT_FALSE(gone.held_by.held);
}

TEST(SnapshotDiffTest, TwoTracesCompareByTypeAndSiteOnly) {
  auto trace = [](int entries) {
    auto b = std::make_unique<TraceBuilder>();
    b->Thread(1, "MainThread");
    const uint32_t fill = b->Stack({{"<module>", "app.py", 20}, {"fill", "app.py", 9}});
    b->At(1000);
    std::vector<SnapshotScene::Object> objects = {{0x9000, "module", 56, 1, true, {}}};
    for (int i = 0; i < entries; ++i) {
      const uint64_t address = 0x2000 + 0x100 * i;
      b->Alloc(address, 48, fill);
      objects[0].edges.push_back({address, "[" + std::to_string(i) + "]"});
      objects.push_back({address, "Entry", 48, 1});
    }
    SnapshotScene(*b).Snapshot("end", objects, {{"app", 0x9000}});
    b->End();
    return b;
  };
  auto a = trace(2), b = trace(5);
  SnapshotGraphBuilder a_builder, b_builder;
  auto a_replay = ReplayOf(*a, {&a_builder});
  auto b_replay = ReplayOf(*b, {&b_builder});
  const SnapshotDiff diff = DiffSnapshots({&*a_builder.result(), &a_replay->state()},
                                          {&*b_builder.result(), &b_replay->state()}, false, 10);
  ASSERT_EQ(diff.rows.size(), 1u);
  EXPECT_EQ(diff.rows[0].change(), 3 * 48);
  EXPECT_EQ(diff.rows[0].new_objects, 0u);  // no identity across traces
  EXPECT_EQ(diff.rows[0].held_by.objects, 5u);
  EXPECT_EQ(diff.rows[0].held_by.holder_type, "module");
}

}  // namespace
}  // namespace arenatrace::analyzer::graph
