#include "core/alloc/allocator.h"

#include <algorithm>
#include <cassert>

namespace arenatrace::alloc {

void Allocator::LinkUsable(PoolHeader* pool) {
  PoolHeader*& head = classes_[pool->size_class].usable;
  pool->prev_usable = nullptr;
  pool->next_usable = head;
  if (head != nullptr) head->prev_usable = pool;
  head = pool;
}

void Allocator::UnlinkUsable(PoolHeader* pool) {
  if (pool->prev_usable != nullptr) {
    pool->prev_usable->next_usable = pool->next_usable;
  } else {
    classes_[pool->size_class].usable = pool->next_usable;
  }
  if (pool->next_usable != nullptr) pool->next_usable->prev_usable = pool->prev_usable;
}

void* Allocator::MallocGeneric(unsigned size_class) {
  PoolHeader* pool = arenas_.AcquirePool();
  if (pool == nullptr) return nullptr;
  // The pool may be fresh, purged (zero) or reused: initialise every field.
  const uint32_t block_size = static_cast<uint32_t>(BlockSizeOf(size_class));
  pool->size_class = size_class;
  pool->block_size = block_size;
  pool->used_blocks = 1;
  auto* first = reinterpret_cast<FreeBlock*>(reinterpret_cast<char*>(pool) + kPoolHeaderSize);
  auto* second = reinterpret_cast<FreeBlock*>(reinterpret_cast<char*>(first) + block_size);
  second->next = nullptr;
  pool->free_list = second;
  pool->next_bump_offset = static_cast<uint32_t>(kPoolHeaderSize + 2 * block_size);
  ++classes_[size_class].allocs;
  ++stats_.classes[size_class].pools;
  LinkUsable(pool);
  return first;
}

void Allocator::RetireFullPool(PoolHeader* pool) {
  UnlinkUsable(pool);  // nothing to hand out until a block comes back
}

void Allocator::FreeGeneric(PoolHeader* pool, bool was_full) {
  if (pool->used_blocks == 0) {
    if (!was_full) UnlinkUsable(pool);
    --stats_.classes[pool->size_class].pools;
    arenas_.ReleasePool(pool);
    return;
  }
  // Was full, now has one free block: usable again, at the front so it fills.
  LinkUsable(pool);
}

void* Allocator::Realloc(void* ptr, size_t new_size, const FallbackAllocator& fallback) {
  if (ptr == nullptr) return Malloc(new_size, fallback);
  if (!Owns(ptr)) {
    // A foreign block stays with its allocator, as pymalloc does for blocks
    // it did not allocate.
    ++stats_.forwarded_reallocs;
    return fallback.realloc(fallback.ctx, ptr, new_size);
  }
  const size_t block_size = BlockSize(ptr);
  // In place while the request fits its class, or shrinks the block by less
  // than a quarter (pymalloc's rule: avoid copying for small shrinks).
  if (new_size <= block_size &&
      (SizeClassOf(new_size) == PoolOf(ptr)->size_class || 4 * new_size > 3 * block_size)) {
    ++stats_.in_place_reallocs;
    return ptr;
  }
  void* moved = Malloc(new_size, fallback);
  if (moved == nullptr) return nullptr;  // the old block stays valid
  std::memcpy(moved, ptr, std::min(new_size, block_size));
  FreeSmall(ptr);
  return moved;
}

}  // namespace arenatrace::alloc
