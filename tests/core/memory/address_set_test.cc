#include "core/memory/address_set.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_set>
#include <vector>

namespace arenatrace::memory {
namespace {

const void* At(uintptr_t address) { return reinterpret_cast<const void*>(address); }

TEST(AddressSetTest, InsertsEachAddressOnce) {
  AddressSet set;
  EXPECT_FALSE(set.Contains(At(0x7f0000001000)));
  EXPECT_TRUE(set.Insert(At(0x7f0000001000)));
  EXPECT_FALSE(set.Insert(At(0x7f0000001000)));
  EXPECT_TRUE(set.Contains(At(0x7f0000001000)));
  // The neighbours, 8 bytes apart, share the word but not the bit.
  EXPECT_FALSE(set.Contains(At(0x7f0000001008)));
  EXPECT_FALSE(set.Contains(At(0x7f0000000ff8)));
  EXPECT_TRUE(set.Insert(At(0x7f0000001008)));
  EXPECT_TRUE(set.Contains(At(0x7f0000001000)));
}

TEST(AddressSetTest, AddressesTheBitmapCannotHoldAreKeptToo) {
  AddressSet set;
  const uintptr_t unusual[] = {0,
                               1,
                               0x7f0000001003,            // unaligned
                               uintptr_t{1} << 48,        // beyond 48 bits
                               0xffff800000001000,        // kernel half
                               (uintptr_t{1} << 30) - 8,  // last word of a region
                               uintptr_t{1} << 30,        // first of the next
                               (uintptr_t{1} << 48) - 8};
  for (uintptr_t a : unusual) EXPECT_TRUE(set.Insert(At(a))) << std::hex << a;
  for (uintptr_t a : unusual) {
    EXPECT_TRUE(set.Contains(At(a))) << std::hex << a;
    EXPECT_FALSE(set.Insert(At(a))) << std::hex << a;
  }
  EXPECT_FALSE(set.Contains(At(0x7f0000001000)));
  EXPECT_FALSE(set.Contains(At(2)));
}

// Against a hash set, on addresses like a heap's: dense runs in a few
// regions, with repeats, and now and then an unaligned or far address.
TEST(AddressSetTest, AgreesWithAHashSetOnHeapLikeAddresses) {
  std::mt19937_64 random(7);
  const uintptr_t bases[] = {0x555555554000, 0x7f3a12000000, 0x7ffc00000000 - (1 << 20),
                             0x00400000};
  AddressSet set;
  std::unordered_set<uintptr_t> oracle;
  std::vector<uintptr_t> inserted;
  for (int i = 0; i < 400000; ++i) {
    uintptr_t a;
    const uint64_t choice = random() % 100;
    if (choice < 60) {
      a = bases[random() % 4] + (random() % (64 << 20)) * 16;
    } else if (choice < 90 && !inserted.empty()) {
      a = inserted[random() % inserted.size()];
    } else if (choice < 95) {
      a = bases[random() % 4] + random() % (1 << 20);  // any alignment
    } else {
      a = random();
    }
    const bool expected = oracle.insert(a).second;
    ASSERT_EQ(set.Insert(At(a)), expected) << std::hex << a;
    if (expected) inserted.push_back(a);
  }
  for (uintptr_t a : inserted) ASSERT_TRUE(set.Contains(At(a))) << std::hex << a;
  for (int i = 0; i < 100000; ++i) {
    const uintptr_t a = bases[random() % 4] + (random() % (64 << 20)) * 8;
    ASSERT_EQ(set.Contains(At(a)), oracle.contains(a)) << std::hex << a;
  }
  // Four bases, each within one or two 1 GiB regions; far addresses map more.
  EXPECT_GE(set.mapped_bytes(), 4u * (16u << 20));
}

}  // namespace
}  // namespace arenatrace::memory
