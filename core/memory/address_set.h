// A set of 8-byte-aligned addresses as a sparse bitmap: one bit per 8 bytes
// of address space, mapped lazily in 1 GiB regions (16 MiB of bitmap each,
// of which only the pages touched are resident).
//
// It is the heap snapshot's visited set: millions of object addresses, most
// of them close to the addresses inserted just before (objects are traversed
// near the order they were allocated in). A hash set pays a cache miss per
// insertion at random; here neighbouring objects share a word, and the
// bitmap is 1/64 of the heap it covers. Addresses the bitmap cannot hold
// (unaligned, beyond 48 bits, or a region that could not be mapped) go to a
// hash set, so the answer is always right.
#ifndef ARENATRACE_CORE_MEMORY_ADDRESS_SET_H_
#define ARENATRACE_CORE_MEMORY_ADDRESS_SET_H_

#include <cstddef>
#include <cstdint>

#include "absl/container/flat_hash_set.h"

namespace arenatrace::memory {

class AddressSet {
 public:
  AddressSet();
  ~AddressSet();
  AddressSet(const AddressSet&) = delete;
  AddressSet& operator=(const AddressSet&) = delete;

  // True when `address` was not in the set (it is now).
  bool Insert(const void* address) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(address);
    if (__builtin_expect((a & 7) == 0 && (a >> kAddressBits) == 0 && root_ != nullptr, 1)) {
      uint64_t* region = root_[a >> kRegionShift];
      if (__builtin_expect(region == nullptr, 0)) region = MapRegion(a);
      if (__builtin_expect(region != nullptr, 1)) {
        uint64_t& word = region[(a & (kRegionSize - 1)) >> 9];
        const uint64_t bit = uint64_t{1} << ((a >> 3) & 63);
        const bool inserted = (word & bit) == 0;
        word |= bit;
        return inserted;
      }
    }
    return overflow_.insert(a).second;
  }

  bool Contains(const void* address) const;

  // Bytes of bitmap mapped (virtual; resident is what was touched).
  size_t mapped_bytes() const { return mapped_regions_ * kRegionBitmapBytes; }

 private:
  static constexpr unsigned kAddressBits = 48;
  static constexpr unsigned kRegionShift = 30;
  static constexpr uintptr_t kRegionSize = uintptr_t{1} << kRegionShift;
  static constexpr size_t kRegionBitmapBytes = kRegionSize / 8 / 8;
  static constexpr size_t kRegions = size_t{1} << (kAddressBits - kRegionShift);

  uint64_t* MapRegion(uintptr_t address);

  uint64_t** root_;
  size_t mapped_regions_ = 0;
  // Regions whose bitmap could not be mapped: their addresses stay in
  // `overflow_` for good, or one address could be counted twice.
  absl::flat_hash_set<uintptr_t> unmappable_regions_;
  absl::flat_hash_set<uintptr_t> overflow_;
};

}  // namespace arenatrace::memory

#endif  // ARENATRACE_CORE_MEMORY_ADDRESS_SET_H_
