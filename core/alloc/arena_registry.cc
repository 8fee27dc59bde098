#include "core/alloc/arena_registry.h"

#include "core/alloc/os_memory.h"

namespace arenatrace::alloc {

std::atomic<Arena*>* ArenaRegistry::Slot(uintptr_t base, bool create) {
  if (base >> kAddressBits) return nullptr;
  std::atomic<Leaf*>& root_entry = root_[base >> (kArenaShift + kLeafBits)];
  Leaf* leaf = root_entry.load(std::memory_order_acquire);
  if (leaf == nullptr) {
    if (!create) return nullptr;
    // Registration is serialised by the allocator, so no other thread races
    // to create this leaf; zeroed pages are null atomics.
    leaf = static_cast<Leaf*>(os::MapAligned(sizeof(Leaf), 4096));
    if (leaf == nullptr) return nullptr;
    root_entry.store(leaf, std::memory_order_release);
  }
  return &leaf->arenas[(base >> kArenaShift) & ((1u << kLeafBits) - 1)];
}

bool ArenaRegistry::Register(Arena* arena) {
  std::atomic<Arena*>* slot = Slot(arena->base, /*create=*/true);
  if (slot == nullptr) return false;
  slot->store(arena, std::memory_order_release);
  return true;
}

void ArenaRegistry::Unregister(const Arena* arena) {
  std::atomic<Arena*>* slot = Slot(arena->base, /*create=*/false);
  if (slot != nullptr) slot->store(nullptr, std::memory_order_release);
}

}  // namespace arenatrace::alloc
