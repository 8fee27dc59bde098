// The retained profile: the dominator tree as frames named by edge and
// type at their allocation sites, widths equal to retained sizes, chains of
// alike objects as one frame.
#include "analyzer/graph/retained_profile.h"

#include <gtest/gtest.h>

#include <string>

#include "analyzer/graph/snapshot_graph.h"
#include "tests/analyzer/graph/snapshot_scene.h"
#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer::graph {
namespace {

using testing::ReplayOf;
using testing::SnapshotScene;
using testing::TraceBuilder;

// The profile node whose frames, outermost first, have these functions.
uint32_t NodeOf(const StackProfile& profile, const std::vector<std::string>& functions) {
  for (uint32_t n = 1; n < profile.nodes().size(); ++n) {
    std::vector<uint32_t> frames = profile.FramesOf(n);  // innermost first
    if (frames.size() != functions.size()) continue;
    bool same = true;
    for (size_t i = 0; i < frames.size() && same; ++i) {
      same = profile.frames()[frames[frames.size() - 1 - i]].function == functions[i];
    }
    if (same) return n;
  }
  return 0;
}

TEST(RetainedProfileTest, FramesAreTheDominatorTreeWidthsTheRetainedSizes) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t cache = b.Stack({{"<module>", "app.py", 5}});
  const uint32_t fill = b.Stack({{"<module>", "app.py", 20}, {"fill", "app.py", 9}});
  b.At(1000);
  b.Alloc(0x1100, 200, cache);
  b.Alloc(0x2000, 48, fill);
  b.Alloc(0x2100, 48, fill);
  // A linked list of three nodes under k1: one frame, not three.
  b.Alloc(0x5000, 32, fill);
  b.Alloc(0x5100, 32, fill);
  b.Alloc(0x5200, 32, fill);
  SnapshotScene scene(b);
  scene.Snapshot("end",
                 {{0x9000, "module", 56, 1, true, {{0x1000, "__dict__"}}},
                  {0x1000, "dict", 64, 1, true, {{0x1100, "cache"}}},
                  {0x1100, "dict", 200, 1, true, {{0x2000, "k0"}, {0x2100, "k1"}}},
                  {0x2000, "Entry", 48, 1},
                  {0x2100, "Entry", 48, 1, true, {{0x5000, "next"}}},
                  {0x5000, "Node", 32, 1, true, {{0x5100, "next"}}},
                  {0x5100, "Node", 32, 1, true, {{0x5200, "next"}}},
                  {0x5200, "Node", 32, 1},
                  {0x6000, "Garbage", 16, 1, true, {{0x6000, "self"}}}},
                 {{"app", 0x9000}});
  b.End();
  SnapshotGraphBuilder builder;
  auto replay = ReplayOf(b, {&builder});
  ASSERT_TRUE(builder.result());
  const StackProfile profile = RetainedProfile(*builder.result(), replay->state());
  const std::vector<ProfileValues> inclusive = profile.Inclusive();
  // Everything reachable, the cycle left out.
  EXPECT_EQ(inclusive[0].bytes, 56 + 64 + 200 + 48 * 2 + 32 * 3);
  EXPECT_EQ(inclusive[0].count, 8);
  const std::vector<std::string> to_cache = {"sys.modules['app'] (module)", "__dict__ (dict)",
                                             "cache (dict)"};
  const uint32_t cache_node = NodeOf(profile, to_cache);
  ASSERT_NE(cache_node, 0u);
  EXPECT_EQ(inclusive[cache_node].bytes, 200 + 48 * 2 + 32 * 3);
  const ProfileFrame& cache_frame = profile.frames()[profile.nodes()[cache_node].frame];
  EXPECT_EQ(cache_frame.file, "app.py");
  EXPECT_EQ(cache_frame.line, 5u);
  std::vector<std::string> to_list = to_cache;
  to_list.push_back("k1 (Entry)");
  to_list.push_back("next (Node)");
  const uint32_t list_node = NodeOf(profile, to_list);
  ASSERT_NE(list_node, 0u);
  EXPECT_EQ(inclusive[list_node].bytes, 32 * 3);
  EXPECT_EQ(profile.nodes()[list_node].self.count, 3);
}

}  // namespace
}  // namespace arenatrace::analyzer::graph
