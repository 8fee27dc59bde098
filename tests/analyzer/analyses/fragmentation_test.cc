// `fragmentation`: pools held by few blocks, and the site that pins them.
#include "analyzer/analyses/fragmentation.h"

#include <gtest/gtest.h>

#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;

TEST(FragmentationTest, SurvivorsOfASpikePinTheirPools) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t spike = b.Stack({{"spike", "app.py", 3}});
  const uint32_t survivor = b.Stack({{"keep", "app.py", 9}});
  constexpr uint64_t kBase = 0x7f0000000000;  // 1 MiB aligned
  constexpr uint64_t kPool = 16384;
  // 64 pools of 32-byte blocks, full; then all freed but one block per pool.
  for (uint64_t pool = 0; pool < 64; ++pool) {
    for (uint64_t i = 0; i < 500; ++i) {
      b.Alloc(kBase + pool * kPool + 64 + 32 * i, 32, i == 0 ? survivor : spike);
    }
  }
  for (uint64_t pool = 0; pool < 64; ++pool) {
    for (uint64_t i = 1; i < 500; ++i) b.Free(kBase + pool * kPool + 64 + 32 * i);
  }
  b.End();
  FragmentationAnalysis fragmentation;
  ReplayOf(b, {&fragmentation});
  const FragmentationResult& r = fragmentation.result();
  EXPECT_EQ(r.at_peak.pools, 64u);
  EXPECT_EQ(r.at_peak.small_blocks, 64u * 500);
  EXPECT_EQ(r.at_peak.sparse_pools, 0u);
  EXPECT_EQ(r.at_end.pools, 64u);
  EXPECT_EQ(r.at_end.arenas, 1u);
  EXPECT_EQ(r.at_end.small_blocks, 64u);
  EXPECT_EQ(r.at_end.sparse_pools, 64u);
  EXPECT_EQ(r.sparse_pool_bytes_unused, 64 * (kPool - 32));
  ASSERT_FALSE(r.pinning.empty());
  EXPECT_EQ(r.pinning[0].site.function, "keep");
  EXPECT_EQ(r.pinning[0].blocks, 64u);
  EXPECT_EQ(r.pinning[0].pools, 64u);
  EXPECT_NEAR(r.pinning[0].pinned_bytes, 64.0 * (kPool - 32), 1);
}

TEST(FragmentationTest, LayoutsFollowTheAllocatorAndVersion) {
  EXPECT_EQ(LayoutFor("arenatrace", "3.9.18").pool_shift, 14u);
  EXPECT_TRUE(LayoutFor("arenatrace", "3.9.18").arenas_aligned);
  EXPECT_EQ(LayoutFor("pymalloc", "3.9.18").pool_shift, 12u);
  EXPECT_EQ(LayoutFor("pymalloc", "3.9.18").arena_shift, 18u);
  EXPECT_EQ(LayoutFor("pymalloc", "3.12.1 (main)").pool_shift, 14u);
  EXPECT_FALSE(LayoutFor("pymalloc", "3.12.1").returns_free_pools);
}

}  // namespace
}  // namespace arenatrace::analyzer
