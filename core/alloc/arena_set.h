// The arenas: where pools come from and where free pools go back.
//
// Placement: a new pool comes from the arena with the most pools in use that
// still has a free one (arenas are bucketed by their count of used pools, and
// a bitmap finds the fullest bucket in O(1)). Allocation thus packs into dense
// arenas and lets sparse ones drain, so they can be released — pymalloc's
// `usable_arenas` ordering, for the same reason.
//
// Release, where arenatrace differs from pymalloc: a free pool stays "dirty"
// (resident, reusable without a page fault) until the dirty pools exceed a
// budget (a floor, or a fraction of the pools in use); then the dirty pools of
// the sparsest arenas are given back with madvise until half the budget is
// left. The hysteresis keeps churning programs from paying a syscall and page
// faults per pool, while a program that frees most of a large structure sees
// its RSS fall. Wholly empty arenas beyond a few spares are unmapped by the
// same purge.
#ifndef ARENATRACE_CORE_ALLOC_ARENA_SET_H_
#define ARENATRACE_CORE_ALLOC_ARENA_SET_H_

#include <cstdint>

#include "core/alloc/arena_registry.h"
#include "core/alloc/layout.h"
#include "core/alloc/stats.h"

namespace arenatrace::alloc {

struct ReleasePolicy {
  uint64_t min_dirty_pools = 256;       // 4 MiB of free pools are always kept resident
  uint64_t dirty_fraction_divisor = 8;  // ... or 1/8 of the pools in use, if larger
  uint64_t spare_empty_arenas = 2;      // empty arenas kept mapped
};

class ArenaSet {
 public:
  ArenaSet(ArenaRegistry* registry, AllocatorStats* stats, const ReleasePolicy& policy)
      : registry_(registry), stats_(stats), policy_(policy) {}

  // Returns a pool with `arena` and `index_in_arena` set and the rest of its
  // header unspecified, or nullptr when no memory could be mapped.
  PoolHeader* AcquirePool();
  void ReleasePool(PoolHeader* pool);

  // Gives every dirty free pool back to the OS now.
  void PurgeAll() { PurgeDownTo(0); }

 private:
  static constexpr unsigned kBuckets =
      kPoolsPerArena;  // used_pools 0..63; full arenas are unlisted

  Arena* MapArena();
  void UnmapArena(Arena* arena);
  void Link(Arena* arena);
  void Unlink(Arena* arena);
  void PurgeDownTo(uint64_t target_dirty_pools);
  uint64_t PurgeArena(Arena* arena);
  Arena* NewDescriptor();

  ArenaRegistry* registry_;
  AllocatorStats* stats_;
  ReleasePolicy policy_;
  Arena* buckets_[kBuckets] = {};
  uint64_t nonempty_buckets_ = 0;  // bit k: buckets_[k] is not empty
  Arena* free_descriptors_ = nullptr;
  Arena* descriptor_chunk_next_ = nullptr;
  Arena* descriptor_chunk_end_ = nullptr;
};

}  // namespace arenatrace::alloc

#endif  // ARENATRACE_CORE_ALLOC_ARENA_SET_H_
