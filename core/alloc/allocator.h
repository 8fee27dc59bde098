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

  // Free in two steps, for a caller that must know a block's size class
  // before the block is released, with one ownership lookup: the class of
  // `ptr` if it is ours (else -1), then FreeOwned or FreeForeign.
  int SizeClassIfOwned(const void* ptr) const {
    return registry_.Lookup(ptr) != nullptr ? static_cast<int>(PoolOf(ptr)->size_class) : -1;
  }
  void FreeOwned(void* ptr) { FreeSmall(ptr); }
  void FreeForeign(void* ptr, const FallbackAllocator& fallback) {
    ++stats_.forwarded_frees;
    fallback.free(fallback.ctx, ptr);
  }

  // O(1); never reads `ptr`'s memory.
  bool Owns(const void* ptr) const { return registry_.Lookup(ptr) != nullptr; }

  // Usable size of a block we own.
  static size_t BlockSize(const void* ptr) { return PoolOf(ptr)->block_size; }

  // The size class of a block we own (see size_classes.h).
  static unsigned SizeClassOfBlock(const void* ptr) { return PoolOf(ptr)->size_class; }

  // A copy: the per-class counters live next to the hot-path state.
  AllocatorStats stats() const {
    AllocatorStats stats = stats_;
    for (unsigned c = 0; c < kNumSizeClasses; ++c) {
      stats.classes[c].allocs = classes_[c].allocs;
      stats.classes[c].frees = classes_[c].frees;
    }
    return stats;
  }

  // Gives every free pool back to the OS now (tests, and a future "trim").
  void ReleaseFreeMemory() { arenas_.PurgeAll(); }

 private:
  void* MallocSmall(unsigned size_class) {
    SizeClassState& state = classes_[size_class];
    PoolHeader* pool = state.usable;
    if (ARENATRACE_UNLIKELY(pool == nullptr)) return MallocGeneric(size_class);
    FreeBlock* block = pool->free_list;
    ++pool->used_blocks;
    ++state.allocs;
    if (ARENATRACE_UNLIKELY((pool->free_list = block->next) == nullptr)) {
      // Carve the next never-used block, or retire the pool when it is full.
      const uint32_t offset = pool->next_bump_offset;
      if (ARENATRACE_LIKELY(offset + pool->block_size <= kPoolSize)) {
        auto* next = reinterpret_cast<FreeBlock*>(reinterpret_cast<char*>(pool) + offset);
        next->next = nullptr;
        pool->free_list = next;
        pool->next_bump_offset = offset + pool->block_size;
      } else {
        RetireFullPool(pool);
      }
    }
    return block;
  }

  void FreeSmall(void* ptr) {
    PoolHeader* pool = PoolOf(ptr);
    auto* block = static_cast<FreeBlock*>(ptr);
    FreeBlock* previous_head = pool->free_list;
    block->next = previous_head;
    pool->free_list = block;
    ++classes_[pool->size_class].frees;
    if (ARENATRACE_UNLIKELY(--pool->used_blocks == 0 || previous_head == nullptr)) {
      FreeGeneric(pool, /*was_full=*/previous_head == nullptr);
    }
  }

  void* MallocGeneric(unsigned size_class);
  void RetireFullPool(PoolHeader* pool);
  void FreeGeneric(PoolHeader* pool, bool was_full);
  void LinkUsable(PoolHeader* pool);
  void UnlinkUsable(PoolHeader* pool);

  // What the hot paths touch for one class, in one half cache line: the list
  // of pools with free blocks and the counters.
  struct alignas(32) SizeClassState {
    PoolHeader* usable = nullptr;
    uint64_t allocs = 0;
    uint64_t frees = 0;
  };

  SizeClassState classes_[kNumSizeClasses];
  AllocatorStats stats_;  // all but the per-class counters above
  ArenaRegistry registry_;
  ArenaSet arenas_;
};

}  // namespace arenatrace::alloc

#endif  // ARENATRACE_CORE_ALLOC_ALLOCATOR_H_
