// Memory layout of the small-object allocator: arenas, pools and blocks.
//
//   arena: 1 MiB, aligned to 1 MiB, mapped with mmap
//   +-----------+-----------+-----------+-----     -----+-----------+
//   |  pool 0   |  pool 1   |  pool 2   |     ...     |  pool 63  |
//   +-----------+-----------+-----------+-----     -----+-----------+
//    |
//     pool: 16 KiB, serves blocks of one size class
//     +--------+-------+-------+-------+-- ... --+-------+-------------+
//     | header | block | block | block |         | block | (never used) |
//     +--------+-------+-------+-------+-- ... --+-------+-------------+
//       64 B    <- block size = 16 * (class + 1) ->        ^ next_bump_offset
//
// The arena's bookkeeping (`Arena`) lives outside the arena, in a descriptor
// table, so that a free pool can be given back to the OS whole (madvise) and
// the arena itself unmapped without losing track of anything. A pool's header
// lives in the pool, like pymalloc's: it is only read for pools that hold a
// live block, whose memory is ours and resident.
//
// Invariants (checked in debug builds):
//  - A block handed out is 16-byte aligned and lies past its pool's header.
//  - A pool in its class's "usable" list has a non-NULL free list: the head of
//    that list is the next block to hand out. Blocks never used are carved
//    lazily from `next_bump_offset`, so a new pool touches one page, not four.
//  - A pool with no live block is not in any class list; it is free in its
//    arena (bit set in `Arena::free_pools`).
//  - `Arena::dirty_pools` is a subset of `free_pools`: free pools whose pages
//    may still be resident. Purging clears the bit; taking a pool clears both.
//  - Ownership: an address is ours iff the registry maps its 1 MiB-aligned
//    base to an Arena. The test never reads the memory it asks about.
#ifndef ARENATRACE_CORE_ALLOC_LAYOUT_H_
#define ARENATRACE_CORE_ALLOC_LAYOUT_H_

#include <cstddef>
#include <cstdint>

#include "core/alloc/size_classes.h"

namespace arenatrace::alloc {

inline constexpr size_t kPoolShift = 14;
inline constexpr size_t kPoolSize = size_t{1} << kPoolShift;  // 16 KiB, as pymalloc 3.10+
inline constexpr size_t kArenaShift = 20;
inline constexpr size_t kArenaSize = size_t{1} << kArenaShift;  // 1 MiB
inline constexpr unsigned kPoolsPerArena = kArenaSize / kPoolSize;
static_assert(kPoolsPerArena == 64, "an arena's pools are tracked in one 64-bit mask");

struct Arena;

// A free block's first word links it into its pool's free list.
struct FreeBlock {
  FreeBlock* next;
};

struct alignas(kAlignment) PoolHeader {
  FreeBlock* free_list;
  uint32_t used_blocks;
  uint32_t size_class;
  uint32_t block_size;
  uint32_t next_bump_offset;  // first block never handed out
  PoolHeader* next_usable;    // links of the class's usable list
  PoolHeader* prev_usable;
  Arena* arena;
  uint32_t index_in_arena;
};

inline constexpr size_t kPoolHeaderSize = 64;
static_assert(sizeof(PoolHeader) <= kPoolHeaderSize);
static_assert(kPoolHeaderSize % kAlignment == 0);

inline constexpr uint32_t BlocksPerPool(unsigned size_class) {
  return static_cast<uint32_t>((kPoolSize - kPoolHeaderSize) / BlockSizeOf(size_class));
}

inline PoolHeader* PoolOf(const void* block) {
  return reinterpret_cast<PoolHeader*>(reinterpret_cast<uintptr_t>(block) & ~(kPoolSize - 1));
}

struct Arena {
  uintptr_t base;
  uint64_t free_pools;   // bit i: pool i holds no live block
  uint64_t dirty_pools;  // bit i: pool i is free and its pages may be resident
  uint32_t used_pools;
  bool was_purged;  // some pools were given back to the OS since it was mapped
  Arena* next;      // in the list of arenas with the same `used_pools`, or the spare list
  Arena* prev;

  PoolHeader* Pool(unsigned index) const {
    return reinterpret_cast<PoolHeader*>(base + index * kPoolSize);
  }
};

}  // namespace arenatrace::alloc

#endif  // ARENATRACE_CORE_ALLOC_LAYOUT_H_
