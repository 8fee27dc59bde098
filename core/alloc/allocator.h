// arenatrace's small-object allocator, with CPython's allocator semantics.
//
// Blocks of up to 512 bytes come from pools of one size class inside 1 MiB
// arenas (see layout.h); larger requests, and every pointer not ours, go to the
// fallback allocator (the one installed before us). Semantics follow pymalloc:
// 16-byte alignment, a unique non-NULL pointer for size 0, NULL on calloc
// overflow, realloc in place while the new size still fits the block.
//
// Not thread-safe: callers serialise (CPython's GIL does, for the MEM and OBJ
// domains; the preload adds a lock where interpreters run in parallel).
// The fast paths are the inline functions below; the `...Generic` paths are
// out of line.
#ifndef ARENATRACE_CORE_ALLOC_ALLOCATOR_H_
#define ARENATRACE_CORE_ALLOC_ALLOCATOR_H_

#include <cstddef>
#include <cstring>

#include "core/alloc/arena_registry.h"
#include "core/alloc/arena_set.h"
#include "core/alloc/fallback_allocator.h"
#include "core/alloc/layout.h"
#include "core/alloc/size_classes.h"
#include "core/alloc/stats.h"

#define ARENATRACE_LIKELY(x) __builtin_expect(!!(x), 1)
#define ARENATRACE_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace arenatrace::alloc {

class Allocator {
 public:
  explicit Allocator(const ReleasePolicy& policy = ReleasePolicy())
      : arenas_(&registry_, &stats_, policy) {}
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  void* Malloc(size_t size, const FallbackAllocator& fallback) {
    if (ARENATRACE_LIKELY(IsSmall(size))) {
      void* block = MallocSmall(SizeClassOf(size));
      if (ARENATRACE_LIKELY(block != nullptr)) return block;
    }
    ++stats_.forwarded_allocs;
    return fallback.malloc(fallback.ctx, size);
  }

  void* Calloc(size_t nelem, size_t elsize, const FallbackAllocator& fallback) {
    if (elsize != 0 && nelem > SIZE_MAX / elsize) return nullptr;
    const size_t size = nelem * elsize;
    if (IsSmall(size)) {
      void* block = MallocSmall(SizeClassOf(size));
      if (block != nullptr) return std::memset(block, 0, size);
    }
    ++stats_.forwarded_allocs;
    return fallback.calloc(fallback.ctx, nelem, elsize);
  }

  void Free(void* ptr, const FallbackAllocator& fallback) {
    if (ptr == nullptr) return;
    if (ARENATRACE_LIKELY(Owns(ptr))) {
      FreeSmall(ptr);
    } else {
      ++stats_.forwarded_frees;
      fallback.free(fallback.ctx, ptr);
    }
  }

  void* Realloc(void* ptr, size_t new_size, const FallbackAllocator& fallback);

  // O(1); never reads `ptr`'s memory.
  bool Owns(const void* ptr) const { return registry_.Lookup(ptr) != nullptr; }

  // Usable size of a block we own.
  static size_t BlockSize(const void* ptr) { return PoolOf(ptr)->block_size; }

  const AllocatorStats& stats() const { return stats_; }

  // Gives every free pool back to the OS now (tests, and a future "trim").
  void ReleaseFreeMemory() { arenas_.PurgeAll(); }

 private:
  void* MallocSmall(unsigned size_class) {
    PoolHeader* pool = usable_[size_class];
    if (ARENATRACE_UNLIKELY(pool == nullptr)) return MallocGeneric(size_class);
    FreeBlock* block = pool->free_list;
    ++pool->used_blocks;
    ++stats_.classes[size_class].allocs;
    if (ARENATRACE_UNLIKELY((pool->free_list = block->next) == nullptr)) ExtendOrRetire(pool);
    return block;
  }

  void FreeSmall(void* ptr) {
    PoolHeader* pool = PoolOf(ptr);
    auto* block = static_cast<FreeBlock*>(ptr);
    FreeBlock* previous_head = pool->free_list;
    block->next = previous_head;
    pool->free_list = block;
    ++stats_.classes[pool->size_class].frees;
    if (ARENATRACE_UNLIKELY(--pool->used_blocks == 0 || previous_head == nullptr)) {
      FreeGeneric(pool, /*was_full=*/previous_head == nullptr);
    }
  }

  void* MallocGeneric(unsigned size_class);
  void ExtendOrRetire(PoolHeader* pool);
  void FreeGeneric(PoolHeader* pool, bool was_full);
  void LinkUsable(PoolHeader* pool);
  void UnlinkUsable(PoolHeader* pool);

  PoolHeader* usable_[kNumSizeClasses] = {};
  AllocatorStats stats_;
  ArenaRegistry registry_;
  ArenaSet arenas_;
};

}  // namespace arenatrace::alloc

#endif  // ARENATRACE_CORE_ALLOC_ALLOCATOR_H_
