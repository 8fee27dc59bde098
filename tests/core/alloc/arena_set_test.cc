// Pool and arena release: the part of the allocator that gives memory back.
#include <errno.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "core/alloc/allocator.h"
#include "tests/core/alloc/system_fallback.h"

namespace arenatrace::alloc {
namespace {

// True when the page holding `address` is resident (mapped and in memory).
bool Resident(const void* address) {
  const uintptr_t page = reinterpret_cast<uintptr_t>(address) & ~uintptr_t{4095};
  unsigned char vec = 0;
  if (mincore(reinterpret_cast<void*>(page), 4096, &vec) != 0) {
    EXPECT_EQ(errno, ENOMEM);  // unmapped
    return false;
  }
  return vec & 1;
}

class ArenaReleaseTest : public ::testing::Test {
 protected:
  std::vector<void*> AllocateMiB(size_t mib, size_t block) {
    std::vector<void*> blocks;
    const size_t count = mib * 1024 * 1024 / block;
    for (size_t i = 0; i < count; ++i) {
      blocks.push_back(allocator_->Malloc(block, fallback_.allocator()));
      static_cast<char*>(blocks.back())[0] = 1;  // make it resident
    }
    return blocks;
  }
  void Free(void* p) { allocator_->Free(p, fallback_.allocator()); }

  testing::SystemFallback fallback_;
  ReleasePolicy policy_;
  std::unique_ptr<Allocator> allocator_ = std::make_unique<Allocator>(policy_);
};

TEST_F(ArenaReleaseTest, FreeingMostOfALargeHeapReturnsItsPoolsToTheOs) {
  std::vector<void*> blocks = AllocateMiB(64, 64);
  EXPECT_GE(allocator_->stats().arenas_peak, 64u);
  std::vector<void*> freed;
  std::vector<void*> survivors;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i % 4096 == 0) {
      survivors.push_back(blocks[i]);
    } else {
      Free(blocks[i]);
      if (i % 4096 == 2048) freed.push_back(blocks[i]);
    }
  }
  AllocatorStats stats = allocator_->stats();
  // One survivor every 4096 blocks of 64 bytes: one pool in 16 stays in use.
  EXPECT_LE(stats.pools_in_use, survivors.size());
  // Everything else is purged but the dirty budget.
  EXPECT_LE(stats.dirty_free_pools,
            std::max(policy_.min_dirty_pools, stats.pools_in_use / policy_.dirty_fraction_divisor));
  EXPECT_GE(stats.BytesReturnedToOs(), 48u << 20);
  size_t still_resident = 0;
  for (void* p : freed) still_resident += Resident(p);
  // Only pools inside the dirty budget may still be resident.
  EXPECT_LE(still_resident, policy_.min_dirty_pools);
  EXPECT_LT(still_resident, freed.size() / 2);
  for (void* p : survivors) EXPECT_TRUE(Resident(p));
  for (void* p : survivors) Free(p);
  stats = allocator_->stats();
  EXPECT_EQ(stats.pools_in_use, 0u);
  // What stays mapped: the spares, and arenas whose free pools are still
  // resident within the dirty budget (they go at the next purge).
  EXPECT_LE(stats.arenas_mapped,
            policy_.spare_empty_arenas + policy_.min_dirty_pools / kPoolsPerArena + 1);
  EXPECT_GT(stats.arenas_unmapped_total, 0u);
}

TEST_F(ArenaReleaseTest, ChurnBelowTheBudgetNeverPurges) {
  for (int round = 0; round < 20; ++round) {
    std::vector<void*> blocks = AllocateMiB(2, 128);  // 128 pools < 256-pool budget
    for (void* p : blocks) Free(p);
  }
  EXPECT_EQ(allocator_->stats().purges, 0u);
  EXPECT_EQ(allocator_->stats().bytes_purged_total, 0u);
  EXPECT_LE(allocator_->stats().arenas_mapped_total, 3u);  // pools were reused
}

TEST_F(ArenaReleaseTest, NewPoolsComeFromTheFullestArena) {
  std::vector<void*> blocks = AllocateMiB(8, 256);
  // Free everything in every second arena's worth of blocks but one.
  const size_t per_arena = kArenaSize / 256;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if ((i / per_arena) % 2 == 1 && i % per_arena != 0) Free(blocks[i]);
  }
  const uint64_t arenas_before = allocator_->stats().arenas_mapped_total;
  std::vector<void*> more = AllocateMiB(1, 256);
  EXPECT_EQ(allocator_->stats().arenas_mapped_total, arenas_before);  // reused, not mapped
}

TEST_F(ArenaReleaseTest, ReleaseFreeMemoryPurgesEverything) {
  std::vector<void*> blocks = AllocateMiB(2, 32);
  for (void* p : blocks) Free(p);
  allocator_->ReleaseFreeMemory();
  EXPECT_EQ(allocator_->stats().dirty_free_pools, 0u);
  for (size_t i = 0; i < blocks.size(); i += 512) EXPECT_FALSE(Resident(blocks[i]));
}

}  // namespace
}  // namespace arenatrace::alloc
