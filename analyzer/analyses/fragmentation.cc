#include "analyzer/analyses/fragmentation.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/container/flat_hash_set.h"

namespace arenatrace::analyzer {

PoolLayout LayoutFor(const std::string& allocator, const std::string& python_version) {
  PoolLayout layout;
  layout.allocator = allocator;
  if (allocator == "arenatrace") return layout;
  int major = 3, minor = 12;
  sscanf(python_version.c_str(), "%d.%d", &major, &minor);
  layout.pool_shift = minor < 10 ? 12 : 14;
  layout.arena_shift = minor < 10 ? 18 : 20;
  layout.arenas_aligned = false;
  layout.returns_free_pools = false;
  return layout;
}

void FragmentationAnalysis::Begin(const ReplayState& state) {
  ReplayObserver::Begin(state);
  layout_ = LayoutFor(state.header.allocator, state.header.python_version);
  result_.layout = layout_;
  sampled_ = state.header.sample_bytes != 0;
  if (sampled_) {
    result_.meaningful = false;
    result_.why_not = "the trace is sampled (--sample-bytes): most blocks' addresses are unknown";
  }
}

void FragmentationAnalysis::CommitPeak() {
  result_.at_peak = now_;
  peak_pending_ = false;
}

void FragmentationAnalysis::OnAlloc(uint64_t address, const Block& block) {
  const bool new_peak = heap_ + block.size > peak_heap_;
  if (peak_pending_ && !new_peak) CommitPeak();
  heap_ += block.size;
  if (new_peak) {
    peak_heap_ = heap_;
    peak_pending_ = true;
  }
  if (!IsSmall(block)) return;
  const uint32_t bytes = Rounded(block.size);
  const uint32_t sparse_limit = (uint32_t{1} << layout_.pool_shift) / 4;
  const uint64_t pool_key = address >> layout_.pool_shift;
  if (last_pool_ == nullptr || last_pool_key_ != pool_key) {
    // An insertion may move every pool: the cache is set after it.
    last_pool_ = &pools_[pool_key];
    last_pool_key_ = pool_key;
  }
  Pool& pool = *last_pool_;
  if (pool.blocks == 0) {
    ++now_.pools;
    if (arenas_[address >> layout_.arena_shift]++ == 0) ++now_.arenas;
  } else {
    --now_.pools_by_fill[Fill(pool.bytes)];
    if (pool.bytes < sparse_limit) --now_.sparse_pools;
  }
  ++pool.blocks;
  pool.bytes += bytes;
  ++now_.pools_by_fill[Fill(pool.bytes)];
  if (pool.bytes < sparse_limit) ++now_.sparse_pools;
  ++now_.small_blocks;
  now_.small_bytes += bytes;
  now_.micros = state().now;
  if (now_.pools > result_.most_pools.pools) result_.most_pools = now_;
}

void FragmentationAnalysis::OnRelease(uint64_t address, const Block& block, Release) {
  if (peak_pending_) CommitPeak();
  heap_ -= block.size;
  if (!IsSmall(block)) return;
  const uint64_t pool_key = address >> layout_.pool_shift;
  if (last_pool_ == nullptr || last_pool_key_ != pool_key) {
    auto it = pools_.find(pool_key);
    if (it == pools_.end()) return;
    last_pool_ = &it->second;
    last_pool_key_ = pool_key;
  }
  Pool& pool = *last_pool_;
  const uint32_t bytes = Rounded(block.size);
  const uint32_t sparse_limit = (uint32_t{1} << layout_.pool_shift) / 4;
  --now_.pools_by_fill[Fill(pool.bytes)];
  if (pool.bytes < sparse_limit) --now_.sparse_pools;
  --pool.blocks;
  pool.bytes -= std::min(pool.bytes, bytes);
  --now_.small_blocks;
  now_.small_bytes -= bytes;
  if (pool.blocks == 0) {
    pools_.erase(pool_key);
    last_pool_ = nullptr;
    --now_.pools;
    auto arena = arenas_.find(address >> layout_.arena_shift);
    if (arena != arenas_.end() && --arena->second == 0) {
      arenas_.erase(arena);
      --now_.arenas;
    }
  } else {
    ++now_.pools_by_fill[Fill(pool.bytes)];
    if (pool.bytes < sparse_limit) ++now_.sparse_pools;
  }
}

void FragmentationAnalysis::OnFinalizing() { Snapshot(); }

void FragmentationAnalysis::OnEnd() {
  if (peak_pending_) CommitPeak();
  Snapshot();
}

// At the program's end: finalisation frees nearly everything afterwards, so
// what pins memory is judged before it.
void FragmentationAnalysis::Snapshot() {
  if (snapshot_taken_) return;
  snapshot_taken_ = true;
  now_.micros = state().now;
  result_.at_end = now_;
  if (sampled_) return;
  const uint64_t pool_size = uint64_t{1} << layout_.pool_shift;
  const uint64_t arena_size = uint64_t{1} << layout_.arena_shift;
  const uint64_t pools_per_arena = arena_size / pool_size;
  // Under pymalloc an arena stays mapped, and its touched pools resident,
  // while any pool in it holds a block: sparse arenas pin too.
  absl::flat_hash_map<uint64_t, uint64_t> arena_bytes;
  if (!layout_.returns_free_pools) {
    for (const auto& [address, block] : *state().live) {
      if (block.selected() && IsSmall(block)) {
        arena_bytes[address >> layout_.arena_shift] += Rounded(block.size);
      }
    }
    for (const auto& [arena, pools] : arenas_) {
      if (pools * 4 < pools_per_arena) ++result_.sparse_arenas;
    }
  }
  absl::flat_hash_map<uint32_t, PinningSite> sites;
  absl::flat_hash_set<std::pair<uint64_t, uint32_t>> site_pools;  // (pool, site) counted
  for (const auto& [address, block] : *state().live) {
    if (!block.selected() || !IsSmall(block)) continue;
    const uint64_t pool_key = address >> layout_.pool_shift;
    auto pool = pools_.find(pool_key);
    if (pool == pools_.end()) continue;
    const uint32_t bytes = Rounded(block.size);
    double pinned = 0;
    const bool sparse_pool = pool->second.bytes * 4 < pool_size;
    if (sparse_pool) {
      pinned += static_cast<double>(pool_size - pool->second.bytes) * bytes / pool->second.bytes;
    }
    bool sparse_arena = false;
    if (!layout_.returns_free_pools) {
      const uint64_t arena_key = address >> layout_.arena_shift;
      const uint32_t arena_pools = arenas_[arena_key];
      if (arena_pools * 4 < pools_per_arena) {
        sparse_arena = true;
        const uint64_t held = arena_bytes[arena_key];
        // What the arena keeps beyond the pools already counted.
        pinned += static_cast<double>(arena_size - arena_pools * pool_size) * bytes / held;
      }
    }
    if (!sparse_pool && !sparse_arena) continue;
    const FrameId site = state().symbols.Site(block.stack);
    PinningSite& s = sites[site.value()];
    s.blocks += block.count;
    s.bytes += bytes;
    s.pinned_bytes += pinned;
    if (sparse_pool && site_pools.emplace(pool_key, site.value()).second) ++s.pools;
  }
  for (const auto& [key, pool] : pools_) {
    if (pool.bytes * 4 < pool_size) result_.sparse_pool_bytes_unused += pool_size - pool.bytes;
  }
  for (auto& [site_value, s] : sites) {
    const FrameId site(site_value);
    const CodeInfo& code = state().symbols.code_of(site);
    s.site = {code.function, code.file, state().symbols.frame(site).line};
    result_.pinning.push_back(s);
  }
  std::sort(result_.pinning.begin(), result_.pinning.end(),
            [](const PinningSite& a, const PinningSite& b) {
              return a.pinned_bytes != b.pinned_bytes ? a.pinned_bytes > b.pinned_bytes
                                                      : a.blocks > b.blocks;
            });
}

}  // namespace arenatrace::analyzer
