// `fragmentation`: how the small-object allocator's pools and arenas are
// held by the live blocks, at the heap's peak and at the end, and which
// allocation sites pin memory: pools (and, under pymalloc, arenas) that stay
// mapped for a few live blocks. Only a profiler that knows the allocator
// can say this; arenatrace knows both of its allocators' layouts:
//
//   allocator            pool            arena
//   arenatrace           16 KiB aligned  1 MiB aligned (free pools are
//                                        given back with madvise)
//   pymalloc 3.8-3.9     4 KiB aligned   256 KiB, not aligned
//   pymalloc 3.10+       16 KiB aligned  1 MiB, not aligned
//
// (CPython's Objects/obmalloc.c: POOL_BITS 12 before 3.10, 14 since; ARENA
// 256 KiB before 3.10, 1 MiB since; arenas come from mmap, so only their
// pools are aligned.) Under pymalloc an arena is therefore approximated by
// its arena-size-aligned address range. Small blocks are the MEM and OBJ
// blocks of at most 512 bytes, rounded up to 16.
#ifndef ARENATRACE_ANALYZER_ANALYSES_FRAGMENTATION_H_
#define ARENATRACE_ANALYZER_ANALYSES_FRAGMENTATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

struct PoolLayout {
  std::string allocator;
  unsigned pool_shift = 14;
  unsigned arena_shift = 20;
  bool arenas_aligned = true;      // an arena's range is known from an address
  bool returns_free_pools = true;  // free pools do not stay resident
};
PoolLayout LayoutFor(const std::string& allocator, const std::string& python_version);

struct PoolUsage {
  uint64_t micros = 0;
  uint64_t small_blocks = 0;
  uint64_t small_bytes = 0;  // rounded to the 16-byte classes
  uint64_t pools = 0;        // pools holding a live block
  uint64_t arenas = 0;       // arenas holding a live block
  // Pools by how full they are: [i] counts pools with i*10% to (i+1)*10% used.
  uint64_t pools_by_fill[10] = {};
  uint64_t sparse_pools = 0;  // less than a quarter used
};

struct PinningSite {
  ProfileFrame site;
  uint64_t blocks = 0;      // live blocks of the site in sparse pools (arenas)
  uint64_t bytes = 0;       // their bytes
  double pinned_bytes = 0;  // the unused bytes they keep mapped, shared by bytes
  uint64_t pools = 0;       // sparse pools the site has a block in
};

struct FragmentationResult {
  bool meaningful = true;  // false for a sampled trace (the addresses are a sample)
  std::string why_not;
  PoolLayout layout;
  PoolUsage at_peak;     // at the selected heap's peak
  PoolUsage most_pools;  // when the most pools were held
  // At the program's end (finalisation then frees nearly everything), or
  // the trace's when the process did not finalise.
  PoolUsage at_end;
  uint64_t sparse_pool_bytes_unused = 0;
  std::vector<PinningSite> pinning;  // most pinned first
  uint64_t sparse_arenas = 0;        // under pymalloc
};

class FragmentationAnalysis : public ReplayObserver {
 public:
  void Begin(const ReplayState& state) override;
  void OnAlloc(uint64_t address, const Block& block) override;
  void OnRelease(uint64_t address, const Block& block, Release why) override;
  void OnFinalizing() override;
  void OnEnd() override;

  FragmentationResult& result() { return result_; }

 private:
  struct Pool {
    uint32_t blocks = 0;
    uint32_t bytes = 0;
  };
  bool IsSmall(const Block& block) const {
    return (block.domain == trace::Domain::kMem || block.domain == trace::Domain::kObj) &&
           block.size <= 512 && !sampled_;
  }
  static uint32_t Rounded(uint64_t size) {
    return size == 0 ? 16 : static_cast<uint32_t>((size + 15) & ~uint64_t{15});
  }
  unsigned Fill(uint32_t bytes) const {
    return std::min<unsigned>(9, static_cast<unsigned>(uint64_t{bytes} * 10 >> layout_.pool_shift));
  }
  void CommitPeak();
  void Snapshot();
  bool snapshot_taken_ = false;

  PoolLayout layout_;
  bool sampled_ = false;
  absl::flat_hash_map<uint64_t, Pool> pools_;
  // The pool of the last small block seen: consecutive blocks are mostly in
  // one pool, and this spares their lookups. Null after the pool's erasure.
  uint64_t last_pool_key_ = 0;
  Pool* last_pool_ = nullptr;
  absl::flat_hash_map<uint64_t, uint32_t> arenas_;  // arena -> pools held
  PoolUsage now_;
  uint64_t heap_ = 0;
  uint64_t peak_heap_ = 0;
  bool peak_pending_ = false;
  FragmentationResult result_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_FRAGMENTATION_H_
