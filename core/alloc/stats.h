// Allocator statistics: plain counters, bumped on the paths that already
// touch the same cache lines, so they are cheap enough to keep always on.
#ifndef ARENATRACE_CORE_ALLOC_STATS_H_
#define ARENATRACE_CORE_ALLOC_STATS_H_

#include <cstdint>

#include "core/alloc/size_classes.h"

namespace arenatrace::alloc {

struct SizeClassStats {
  uint64_t allocs = 0;  // blocks handed out (malloc, calloc, moving realloc)
  uint64_t frees = 0;   // blocks taken back
  uint64_t pools = 0;   // pools now serving this class
  uint64_t LiveBlocks() const { return allocs - frees; }
};

struct AllocatorStats {
  SizeClassStats classes[kNumSizeClasses];

  // Requests the allocator passed on to the allocator installed before it:
  // larger than kMaxSmallSize, or made when no arena could be mapped.
  uint64_t forwarded_allocs = 0;
  uint64_t forwarded_frees = 0;
  uint64_t forwarded_reallocs = 0;
  uint64_t in_place_reallocs = 0;

  uint64_t arenas_mapped = 0;  // now
  uint64_t arenas_peak = 0;
  uint64_t arenas_mapped_total = 0;
  uint64_t arenas_unmapped_total = 0;
  uint64_t arena_map_failures = 0;

  uint64_t pools_in_use = 0;  // now
  uint64_t pools_peak = 0;
  uint64_t dirty_free_pools = 0;  // free pools whose pages may be resident

  uint64_t purges = 0;                      // times the dirty-pool budget was exceeded
  uint64_t bytes_purged_total = 0;          // free pools given back with madvise
  uint64_t bytes_unmapped_dirty_total = 0;  // resident bytes released by unmapping arenas

  uint64_t SmallAllocs() const {
    uint64_t total = 0;
    for (const SizeClassStats& c : classes) total += c.allocs;
    return total;
  }
  uint64_t SmallFrees() const {
    uint64_t total = 0;
    for (const SizeClassStats& c : classes) total += c.frees;
    return total;
  }
  uint64_t LiveSmallBytes() const {
    uint64_t total = 0;
    for (unsigned i = 0; i < kNumSizeClasses; ++i)
      total += classes[i].LiveBlocks() * BlockSizeOf(i);
    return total;
  }
  uint64_t BytesReturnedToOs() const { return bytes_purged_total + bytes_unmapped_dirty_total; }
};

}  // namespace arenatrace::alloc

#endif  // ARENATRACE_CORE_ALLOC_STATS_H_
