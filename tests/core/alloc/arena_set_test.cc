// Pool and arena release: the part of the allocator that gives memory back.
#include <errno.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
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

// Once an arena is unmapped, its range belongs to whoever maps it next (a
// Python program's mmap, a C extension's buffer): their pointers must not
// look like ours, or a free of one would be served as ours and corrupt both.
TEST(ArenaOwnershipTest, AnUnmappedArenasRangeIsNotOursOnceSomeoneElseMapsIt) {
  testing::SystemFallback fallback;
  ReleasePolicy policy;
  policy.spare_empty_arenas = 0;
  policy.min_dirty_pools = 0;
  Allocator allocator(policy);
  std::vector<void*> blocks;
  for (size_t i = 0; i < 4 * kArenaSize / 512; ++i) {
    blocks.push_back(allocator.Malloc(512, fallback.allocator()));
  }
  std::vector<uintptr_t> arenas;
  for (void* p : blocks) {
    const uintptr_t base = reinterpret_cast<uintptr_t>(p) & ~(kArenaSize - 1);
    if (std::find(arenas.begin(), arenas.end(), base) == arenas.end()) arenas.push_back(base);
  }
  ASSERT_GE(arenas.size(), 4u);
  for (void* p : blocks) allocator.Free(p, fallback.allocator());
  ASSERT_GE(allocator.stats().arenas_unmapped_total, 4u);
  size_t reused = 0;
  for (uintptr_t base : arenas) {
    void* foreign = mmap(reinterpret_cast<void*>(base), kArenaSize, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (foreign == MAP_FAILED) continue;             // still mapped: not released after all
    if (foreign != reinterpret_cast<void*>(base)) {  // a kernel that took the flag as a hint
      munmap(foreign, kArenaSize);
      continue;
    }
    ++reused;
    // Make it look like an arena of ours: if the lookup still said "ours",
    // the caller would read this as a pool header.
    std::memset(foreign, 0x01, kArenaSize);
    for (size_t offset = 16; offset < kArenaSize; offset += kPoolSize) {
      const void* inside = static_cast<char*>(foreign) + offset;
      EXPECT_FALSE(allocator.Owns(inside)) << std::hex << base << "+" << offset;
      EXPECT_EQ(allocator.SizeClassIfOwned(inside), -1);
    }
    munmap(foreign, kArenaSize);
  }
  EXPECT_GE(reused, 1u);  // else the test has shown nothing
}

}  // namespace
}  // namespace arenatrace::alloc
