#include "core/alloc/arena_set.h"

#include <algorithm>
#include <bit>
#include <cassert>

#include "core/alloc/os_memory.h"

namespace arenatrace::alloc {

namespace {
constexpr size_t kDescriptorChunkBytes = 64 * 1024;
}  // namespace

Arena* ArenaSet::NewDescriptor() {
  if (free_descriptors_ != nullptr) {
    Arena* arena = free_descriptors_;
    free_descriptors_ = arena->next;
    return arena;
  }
  if (descriptor_chunk_next_ == descriptor_chunk_end_) {
    auto* chunk = static_cast<Arena*>(os::MapAligned(kDescriptorChunkBytes, 4096));
    if (chunk == nullptr) return nullptr;
    descriptor_chunk_next_ = chunk;
    descriptor_chunk_end_ = chunk + kDescriptorChunkBytes / sizeof(Arena);
  }
  return descriptor_chunk_next_++;
}

void ArenaSet::Link(Arena* arena) {
  const unsigned bucket = arena->used_pools;
  if (bucket >= kBuckets) return;  // full arenas give no pools: keep them out of the search
  arena->prev = nullptr;
  arena->next = buckets_[bucket];
  if (arena->next != nullptr) arena->next->prev = arena;
  buckets_[bucket] = arena;
  nonempty_buckets_ |= uint64_t{1} << bucket;
}

void ArenaSet::Unlink(Arena* arena) {
  const unsigned bucket = arena->used_pools;
  if (bucket >= kBuckets) return;
  if (arena->prev != nullptr) {
    arena->prev->next = arena->next;
  } else {
    buckets_[bucket] = arena->next;
    if (arena->next == nullptr) nonempty_buckets_ &= ~(uint64_t{1} << bucket);
  }
  if (arena->next != nullptr) arena->next->prev = arena->prev;
}

Arena* ArenaSet::MapArena() {
  Arena* arena = NewDescriptor();
  if (arena == nullptr) return nullptr;
  void* memory = os::MapAligned(kArenaSize, kArenaSize);
  if (memory == nullptr) {
    arena->next = free_descriptors_;
    free_descriptors_ = arena;
    ++stats_->arena_map_failures;
    return nullptr;
  }
  arena->base = reinterpret_cast<uintptr_t>(memory);
  arena->free_pools = ~uint64_t{0};
  arena->dirty_pools = 0;  // untouched pages are not resident
  arena->used_pools = 0;
  arena->was_purged = false;
  if (!registry_->Register(arena)) {
    os::Unmap(memory, kArenaSize);
    arena->next = free_descriptors_;
    free_descriptors_ = arena;
    ++stats_->arena_map_failures;
    return nullptr;
  }
  ++stats_->arenas_mapped_total;
  stats_->arenas_peak = std::max(stats_->arenas_peak, ++stats_->arenas_mapped);
  Link(arena);
  return arena;
}

void ArenaSet::UnmapArena(Arena* arena) {
  assert(arena->used_pools == 0);
  Unlink(arena);
  const uint64_t dirty = std::popcount(arena->dirty_pools);
  stats_->dirty_free_pools -= dirty;
  stats_->bytes_unmapped_dirty_total += dirty * kPoolSize;
  // Unregister first: once unmapped, the range may be handed to someone else
  // whose pointers must not look like ours.
  registry_->Unregister(arena);
  os::Unmap(reinterpret_cast<void*>(arena->base), kArenaSize);
  --stats_->arenas_mapped;
  ++stats_->arenas_unmapped_total;
  arena->next = free_descriptors_;
  free_descriptors_ = arena;
}

PoolHeader* ArenaSet::AcquirePool() {
  Arena* arena;
  const uint64_t partly_used = nonempty_buckets_ & ~uint64_t{1};
  if (partly_used != 0) {
    arena = buckets_[63 - std::countl_zero(partly_used)];
  } else if (buckets_[0] != nullptr) {
    arena = buckets_[0];
  } else {
    arena = MapArena();
    if (arena == nullptr) return nullptr;
  }
  // Prefer a pool whose pages are still resident: no page fault to reuse it.
  const uint64_t dirty = arena->dirty_pools;
  const unsigned index = std::countr_zero(dirty != 0 ? dirty : arena->free_pools);
  const uint64_t bit = uint64_t{1} << index;
  assert(arena->free_pools & bit);
  if (dirty & bit) --stats_->dirty_free_pools;
  Unlink(arena);
  arena->free_pools &= ~bit;
  arena->dirty_pools &= ~bit;
  ++arena->used_pools;
  Link(arena);
  stats_->pools_peak = std::max(stats_->pools_peak, ++stats_->pools_in_use);

  PoolHeader* pool = arena->Pool(index);
  pool->arena = arena;
  pool->index_in_arena = index;
  return pool;
}

void ArenaSet::ReleasePool(PoolHeader* pool) {
  Arena* arena = pool->arena;
  const uint64_t bit = uint64_t{1} << pool->index_in_arena;
  assert(!(arena->free_pools & bit));
  Unlink(arena);
  arena->free_pools |= bit;
  arena->dirty_pools |= bit;
  --arena->used_pools;
  Link(arena);
  --stats_->pools_in_use;
  ++stats_->dirty_free_pools;

  // An empty arena that was purged before saves few page faults if kept:
  // beyond the spares, unmap it now. Others wait for the next purge, so that
  // churn below the budget keeps its arenas.
  if (arena->used_pools == 0 && arena->was_purged) {
    uint64_t empty_arenas = 0;
    for (Arena* a = buckets_[0]; a != nullptr; a = a->next) ++empty_arenas;
    if (empty_arenas > policy_.spare_empty_arenas) UnmapArena(arena);
  }
  const uint64_t budget =
      std::max(policy_.min_dirty_pools, stats_->pools_in_use / policy_.dirty_fraction_divisor);
  if (stats_->dirty_free_pools > budget) {
    ++stats_->purges;
    PurgeDownTo(budget / 2);
  }
}

uint64_t ArenaSet::PurgeArena(Arena* arena) {
  uint64_t dirty = arena->dirty_pools;
  uint64_t purged = 0;
  while (dirty != 0) {
    // One madvise per run of adjacent dirty pools.
    const unsigned first = std::countr_zero(dirty);
    const unsigned run = std::countr_one(dirty >> first);
    os::Purge(arena->Pool(first), size_t{run} * kPoolSize);
    purged += run;
    dirty &= run == 64 ? 0 : ~(((uint64_t{1} << run) - 1) << first);
  }
  arena->dirty_pools = 0;
  arena->was_purged = true;
  stats_->dirty_free_pools -= purged;
  stats_->bytes_purged_total += purged * kPoolSize;
  return purged;
}

void ArenaSet::PurgeDownTo(uint64_t target_dirty_pools) {
  // Empty arenas beyond the spares go first, unmapped whole. They are only
  // looked at here, so a program that frees and rebuilds a structure within
  // the budget keeps its arenas.
  uint64_t empty_arenas = 0;
  for (Arena* arena = buckets_[0]; arena != nullptr;) {
    Arena* next = arena->next;
    if (++empty_arenas > policy_.spare_empty_arenas) UnmapArena(arena);
    arena = next;
  }
  // Then the sparsest arenas: their pools are the last to be handed out again.
  for (unsigned bucket = 0; bucket < kBuckets; ++bucket) {
    for (Arena* arena = buckets_[bucket]; arena != nullptr; arena = arena->next) {
      if (stats_->dirty_free_pools <= target_dirty_pools) return;
      if (arena->dirty_pools != 0) PurgeArena(arena);
    }
  }
}

}  // namespace arenatrace::alloc
