// A long randomized run against a simple model: every live block keeps its
// contents, no two live blocks overlap, ownership and statistics agree.
#include <gtest/gtest.h>

#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "core/alloc/allocator.h"
#include "tests/core/alloc/system_fallback.h"

namespace arenatrace::alloc {
namespace {

struct ModelBlock {
  size_t size;
  unsigned char fill;
  bool ours;
  size_t slot = 0;  // index in Differential::addresses_, for O(1) random picks
};

class Differential {
 public:
  explicit Differential(uint32_t seed) : random_(seed) {}

  void Step() {
    const int op = Pick(100);
    if (live_.empty() || op < 45) {
      Allocate(op % 9 == 0);
    } else if (op < 80) {
      Release(RandomLive());
    } else {
      Resize(RandomLive());
    }
  }

  void CheckAll() {
    uintptr_t previous_end = 0;
    uint64_t ours = 0;
    for (const auto& [address, block] : live_) {
      ASSERT_GE(address, previous_end) << "blocks overlap";
      previous_end = address + block.size;
      Verify(address, block);
      ours += block.ours;
    }
    const AllocatorStats stats = allocator_->stats();
    ASSERT_EQ(stats.SmallAllocs() - stats.SmallFrees(), ours);
  }

  void ReleaseAll() {
    while (!live_.empty()) Release(live_.begin());
    ASSERT_EQ(allocator_->stats().pools_in_use, 0u);
    ASSERT_EQ(fallback_.live(), 0u);
  }

 private:
  using Live = std::map<uintptr_t, ModelBlock>;

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  size_t RandomSize() {
    const int kind = Pick(100);
    if (kind < 2) return 0;
    if (kind < 90) return static_cast<size_t>(1 + Pick(kMaxSmallSize));
    return static_cast<size_t>(kMaxSmallSize + 1 + Pick(3000));
  }
  Live::iterator RandomLive() {
    return live_.find(addresses_[static_cast<size_t>(Pick(static_cast<int>(addresses_.size())))]);
  }
  void Erase(Live::iterator it) {
    const size_t slot = it->second.slot;
    addresses_[slot] = addresses_.back();
    live_[addresses_[slot]].slot = slot;
    addresses_.pop_back();
    live_.erase(it);
  }

  void Fill(void* p, ModelBlock* block) {
    block->fill = static_cast<unsigned char>(Pick(256));
    std::memset(p, block->fill, block->size);
  }
  void Verify(uintptr_t address, const ModelBlock& block) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(address);
    size_t i = 0;
    while (i < block.size && bytes[i] == block.fill) ++i;
    ASSERT_EQ(i, block.size) << "block at " << address << " changed at byte " << i;
    ASSERT_EQ(allocator_->Owns(bytes), block.ours);
  }
  void Insert(void* p, ModelBlock block, bool fill) {
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % kAlignment, 0u);
    if (fill) Fill(p, &block);
    block.slot = addresses_.size();
    addresses_.push_back(reinterpret_cast<uintptr_t>(p));
    ASSERT_TRUE(live_.emplace(addresses_.back(), block).second) << "address handed out twice";
  }

  void Allocate(bool zeroed) {
    const size_t size = RandomSize();
    void* p = zeroed ? allocator_->Calloc(1, size, fallback_.allocator())
                     : allocator_->Malloc(size, fallback_.allocator());
    ASSERT_NE(p, nullptr);
    if (zeroed) {
      for (size_t i = 0; i < size; ++i) ASSERT_EQ(static_cast<unsigned char*>(p)[i], 0);
    }
    ASSERT_EQ(allocator_->Owns(p), IsSmall(size));
    Insert(p, {size, 0, IsSmall(size)}, /*fill=*/true);
  }

  void Release(Live::iterator it) {
    Verify(it->first, it->second);
    allocator_->Free(reinterpret_cast<void*>(it->first), fallback_.allocator());
    Erase(it);
  }

  void Resize(Live::iterator it) {
    const ModelBlock old = it->second;
    Verify(it->first, old);
    const size_t new_size = RandomSize();
    void* p =
        allocator_->Realloc(reinterpret_cast<void*>(it->first), new_size, fallback_.allocator());
    Erase(it);
    ModelBlock block = {new_size, old.fill, old.ours ? allocator_->Owns(p) : false};
    // Realloc keeps the common prefix; refill so the model stays exact.
    const auto* bytes = static_cast<const unsigned char*>(p);
    size_t i = 0;
    while (i < std::min(old.size, new_size) && bytes[i] == old.fill) ++i;
    ASSERT_EQ(i, std::min(old.size, new_size)) << "realloc lost contents";
    ASSERT_EQ(allocator_->Owns(p), block.ours);
    Insert(p, block, /*fill=*/true);
  }

  std::mt19937 random_;
  testing::SystemFallback fallback_;
  // A small dirty budget so that the run crosses purges and arena unmapping.
  std::unique_ptr<Allocator> allocator_ = std::make_unique<Allocator>(ReleasePolicy{8, 8, 1});
  Live live_;
  std::vector<uintptr_t> addresses_;
};

TEST(AllocatorDifferentialTest, MatchesTheModelOverManyRandomOperations) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(seed);
    Differential run(seed);
    for (int step = 0; step < 300000; ++step) {
      run.Step();
      if (step % 50000 == 0) run.CheckAll();
      if (::testing::Test::HasFatalFailure()) return;
    }
    run.CheckAll();
    run.ReleaseAll();
  }
}

}  // namespace
}  // namespace arenatrace::alloc
