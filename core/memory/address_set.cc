#include "core/memory/address_set.h"

#include <sys/mman.h>

namespace arenatrace::memory {
namespace {

// Zeroed pages that cost nothing until touched; no swap is reserved for the
// bitmap's untouched bulk.
void* MapZeroed(size_t size) {
  void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return memory == MAP_FAILED ? nullptr : memory;
}

}  // namespace

AddressSet::AddressSet()
    : root_(static_cast<uint64_t**>(MapZeroed(kRegions * sizeof(uint64_t*)))) {}

AddressSet::~AddressSet() {
  if (root_ == nullptr) return;
  for (size_t i = 0; i < kRegions && mapped_regions_ != 0; ++i) {
    if (root_[i] == nullptr) continue;
    munmap(root_[i], kRegionBitmapBytes);
    --mapped_regions_;
  }
  munmap(root_, kRegions * sizeof(uint64_t*));
}

uint64_t* AddressSet::MapRegion(uintptr_t address) {
  const uintptr_t index = address >> kRegionShift;
  if (unmappable_regions_.contains(index)) return nullptr;
  uint64_t* region = static_cast<uint64_t*>(MapZeroed(kRegionBitmapBytes));
  if (region == nullptr) {
    unmappable_regions_.insert(index);
    return nullptr;
  }
  root_[index] = region;
  ++mapped_regions_;
  return region;
}

bool AddressSet::Contains(const void* address) const {
  const uintptr_t a = reinterpret_cast<uintptr_t>(address);
  if ((a & 7) == 0 && (a >> kAddressBits) == 0 && root_ != nullptr) {
    const uint64_t* region = root_[a >> kRegionShift];
    if (region != nullptr) {
      return (region[(a & (kRegionSize - 1)) >> 9] >> ((a >> 3) & 63)) & 1;
    }
  }
  return overflow_.contains(a);
}

}  // namespace arenatrace::memory
