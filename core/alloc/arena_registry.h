// The ownership test: which addresses lie in one of our arenas.
//
// A two-level radix tree over bits 20..47 of the address (the 1 MiB arena
// number), like pymalloc's since 3.10. The root is part of the object; leaves
// (16 Ki entries, 128 KiB of address space each, touched sparsely) are mapped
// on first use and never freed, so a lookup is two dependent loads of our own
// memory and never dereferences the address it is asked about.
//
// Lookups may run concurrently with registration (a free forwarded from a
// thread that does not hold the allocator lock); entries are atomic for that.
#ifndef ARENATRACE_CORE_ALLOC_ARENA_REGISTRY_H_
#define ARENATRACE_CORE_ALLOC_ARENA_REGISTRY_H_

#include <atomic>
#include <cstdint>

#include "core/alloc/layout.h"

namespace arenatrace::alloc {

class ArenaRegistry {
 public:
  static constexpr unsigned kAddressBits = 48;
  static constexpr unsigned kLeafBits = 14;
  static constexpr unsigned kRootBits = kAddressBits - kArenaShift - kLeafBits;

  // Returns false when the address is outside the range the tree covers or a
  // leaf could not be mapped: the caller then does not use that arena.
  bool Register(Arena* arena);
  void Unregister(const Arena* arena);

  Arena* Lookup(const void* address) const {
    const uintptr_t a = reinterpret_cast<uintptr_t>(address);
    if (a >> kAddressBits) return nullptr;
    const Leaf* leaf = root_[a >> (kArenaShift + kLeafBits)].load(std::memory_order_acquire);
    if (leaf == nullptr) return nullptr;
    return leaf->arenas[(a >> kArenaShift) & ((1u << kLeafBits) - 1)].load(
        std::memory_order_acquire);
  }

 private:
  struct Leaf {
    std::atomic<Arena*> arenas[1u << kLeafBits];
  };
  std::atomic<Arena*>* Slot(uintptr_t base, bool create);

  std::atomic<Leaf*> root_[1u << kRootBits] = {};
};

}  // namespace arenatrace::alloc

#endif  // ARENATRACE_CORE_ALLOC_ARENA_REGISTRY_H_
