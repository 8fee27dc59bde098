#include "core/alloc/allocator.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "tests/core/alloc/system_fallback.h"

namespace arenatrace::alloc {
namespace {

class AllocatorTest : public ::testing::Test {
 protected:
  void* Malloc(size_t size) { return allocator_->Malloc(size, fallback_.allocator()); }
  void Free(void* ptr) { allocator_->Free(ptr, fallback_.allocator()); }
  void* Realloc(void* ptr, size_t size) {
    return allocator_->Realloc(ptr, size, fallback_.allocator());
  }
  void* Calloc(size_t n, size_t size) { return allocator_->Calloc(n, size, fallback_.allocator()); }

  testing::SystemFallback fallback_;
  std::unique_ptr<Allocator> allocator_ = std::make_unique<Allocator>();
};

TEST_F(AllocatorTest, EverySizeUpToThresholdIsServedAlignedWithItsClass) {
  for (size_t size = 0; size <= kMaxSmallSize; ++size) {
    void* p = Malloc(size);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(allocator_->Owns(p)) << size;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kAlignment, 0u) << size;
    EXPECT_GE(Allocator::BlockSize(p), size);
    EXPECT_LT(Allocator::BlockSize(p), size + kAlignment + (size == 0 ? 1 : 0));
    std::memset(p, 0xAB, size);
    Free(p);
  }
  EXPECT_EQ(fallback_.live(), 0u);
}

TEST_F(AllocatorTest, ClassEdges) {
  EXPECT_EQ(Allocator::BlockSize(Malloc(16)), 16u);
  EXPECT_EQ(Allocator::BlockSize(Malloc(17)), 32u);
  EXPECT_EQ(Allocator::BlockSize(Malloc(496)), 496u);
  EXPECT_EQ(Allocator::BlockSize(Malloc(497)), 512u);
  EXPECT_EQ(Allocator::BlockSize(Malloc(512)), 512u);
  void* large = Malloc(513);
  EXPECT_FALSE(allocator_->Owns(large));
  EXPECT_TRUE(fallback_.Holds(large));
  Free(large);
  EXPECT_FALSE(fallback_.Holds(large));
  EXPECT_EQ(allocator_->stats().forwarded_allocs, 1u);
  EXPECT_EQ(allocator_->stats().forwarded_frees, 1u);
}

TEST_F(AllocatorTest, SizeZeroGivesUniqueNonNullPointers) {
  void* a = Malloc(0);
  void* b = Malloc(0);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  Free(a);
  Free(b);
}

TEST_F(AllocatorTest, FreeOfNullIsANoOp) {
  Free(nullptr);
  EXPECT_EQ(fallback_.frees, 0);
}

TEST_F(AllocatorTest, CallocZeroesReusedBlocksAndChecksOverflow) {
  void* dirty = Malloc(64);
  std::memset(dirty, 0xFF, 64);
  Free(dirty);
  auto* p = static_cast<unsigned char*>(Calloc(4, 16));
  ASSERT_EQ(static_cast<void*>(p), dirty);  // the same block, reused
  for (int i = 0; i < 64; ++i) EXPECT_EQ(p[i], 0) << i;
  EXPECT_EQ(Calloc(SIZE_MAX / 2, 3), nullptr);
  EXPECT_EQ(Calloc(SIZE_MAX, SIZE_MAX), nullptr);
  void* zero = Calloc(0, 8);
  EXPECT_NE(zero, nullptr);
  Free(zero);
  Free(p);
}

TEST_F(AllocatorTest, ForeignPointersAreOwnedByNoOneButTheirAllocator) {
  int on_stack = 0;
  void* from_malloc = std::malloc(32);
  EXPECT_FALSE(allocator_->Owns(&on_stack));
  EXPECT_FALSE(allocator_->Owns(from_malloc));
  EXPECT_FALSE(allocator_->Owns(reinterpret_cast<void*>(uintptr_t{1} << 60)));  // beyond 48 bits
  // A page we map and then protect: the ownership test must never read it.
  void* forbidden = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(forbidden, MAP_FAILED);
  EXPECT_FALSE(allocator_->Owns(forbidden));
  munmap(forbidden, 4096);
  std::free(from_malloc);
}

TEST_F(AllocatorTest, FreeAndReallocOfForeignPointersGoToTheFallback) {
  void* foreign = fallback_.allocator().malloc(fallback_.allocator().ctx, 24);
  void* grown = Realloc(foreign, 48);
  EXPECT_TRUE(fallback_.Holds(grown));  // stays with its allocator, even though 48 is small
  EXPECT_EQ(allocator_->stats().forwarded_reallocs, 1u);
  Free(grown);
  EXPECT_EQ(fallback_.live(), 0u);
}

TEST_F(AllocatorTest, ReallocInPlaceWithinTheClassAndForSmallShrinks) {
  auto* p = static_cast<char*>(Malloc(40));  // 48-byte block
  std::strcpy(p, "arenatrace");
  EXPECT_EQ(Realloc(p, 48), p);
  EXPECT_EQ(Realloc(p, 33), p);
  auto* big = static_cast<char*>(Malloc(400));  // 400-byte block
  EXPECT_EQ(Realloc(big, 320), big);            // shrinks by 20%: kept
  EXPECT_NE(Realloc(big, 100), big);            // shrinks by 75%: moved
  EXPECT_GE(allocator_->stats().in_place_reallocs, 3u);
  EXPECT_STREQ(p, "arenatrace");
}

TEST_F(AllocatorTest, ReallocAcrossClassesAndToLargeKeepsContents) {
  auto* p = static_cast<unsigned char*>(Malloc(16));
  for (int i = 0; i < 16; ++i) p[i] = static_cast<unsigned char>(i);
  auto* q = static_cast<unsigned char*>(Realloc(p, 200));
  ASSERT_TRUE(allocator_->Owns(q));
  for (int i = 0; i < 16; ++i) ASSERT_EQ(q[i], i);
  auto* large = static_cast<unsigned char*>(Realloc(q, 4000));
  ASSERT_TRUE(fallback_.Holds(large));
  for (int i = 0; i < 16; ++i) ASSERT_EQ(large[i], i);
  auto* back = static_cast<unsigned char*>(Realloc(large, 64));
  EXPECT_TRUE(fallback_.Holds(back));  // a foreign block stays foreign
  for (int i = 0; i < 16; ++i) ASSERT_EQ(back[i], i);
  Free(back);
  EXPECT_EQ(Realloc(nullptr, 10) != nullptr, true);
}

TEST_F(AllocatorTest, PoolsAreReusedAfterTheyEmpty) {
  std::vector<void*> blocks;
  for (int i = 0; i < 10000; ++i) blocks.push_back(Malloc(64));
  const uint64_t pools_peak = allocator_->stats().pools_peak;
  for (void* b : blocks) Free(b);
  EXPECT_EQ(allocator_->stats().pools_in_use, 0u);
  blocks.clear();
  for (int i = 0; i < 10000; ++i) blocks.push_back(Malloc(128));
  EXPECT_LE(allocator_->stats().arenas_mapped_total, 1u + pools_peak * 2 / kPoolsPerArena + 1);
  for (void* b : blocks) Free(b);
  EXPECT_EQ(allocator_->stats().classes[SizeClassOf(64)].LiveBlocks(), 0u);
  EXPECT_EQ(allocator_->stats().classes[SizeClassOf(128)].LiveBlocks(), 0u);
}

TEST_F(AllocatorTest, StatisticsCountPerClass) {
  void* a = Malloc(10);
  void* b = Malloc(300);
  Free(a);
  EXPECT_EQ(allocator_->stats().classes[0].allocs, 1u);
  EXPECT_EQ(allocator_->stats().classes[0].frees, 1u);
  EXPECT_EQ(allocator_->stats().classes[SizeClassOf(300)].LiveBlocks(), 1u);
  EXPECT_EQ(allocator_->stats().LiveSmallBytes(), BlockSizeOf(SizeClassOf(300)));
  Free(b);
}

}  // namespace
}  // namespace arenatrace::alloc
