#include "preload/engine/stats_report.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "core/alloc/layout.h"
#include "preload/engine/stack_table.h"
#include "preload/log.h"

namespace arenatrace::preload {
namespace {

// Formats into a fixed buffer: exit handlers should not depend on malloc.
class Buffer {
 public:
  __attribute__((format(printf, 2, 3))) void Add(const char* format, ...) {
    if (length_ >= sizeof data_) return;
    va_list args;
    va_start(args, format);
    const int written = vsnprintf(data_ + length_, sizeof data_ - length_, format, args);
    va_end(args);
    if (written > 0) length_ = std::min(sizeof data_ - 1, length_ + static_cast<size_t>(written));
  }
  const char* data() const { return data_; }
  size_t length() const { return length_; }

 private:
  char data_[16384];
  size_t length_ = 0;
};

double MiB(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// "3.11.7 (main, ...)" -> "3.11.7"
void ShortVersion(const char* version, char* out, size_t size) {
  size_t n = strcspn(version, " ");
  if (n >= size) n = size - 1;
  memcpy(out, version, n);
  out[n] = '\0';
}

}  // namespace

void WriteStatsText(int fd, const StatsContext& context, const alloc::AllocatorStats& stats) {
  Buffer out;
  char version[32];
  ShortVersion(context.python_version, version, sizeof version);
  out.Add("arenatrace: allocator statistics for pid %d (Python %s, allocator %s)\n",
          static_cast<int>(getpid()), version, context.allocator);
  if (!context.hooks_installed) {
    out.Add("  arenatrace's allocator did not serve this process (see the message above)\n");
    WriteAll(fd, out.data(), out.length());
    return;
  }
  out.Add("  arenas (1 MiB): %" PRIu64 " mapped now, %" PRIu64 " at peak, %" PRIu64
          " mapped in all, %" PRIu64 " unmapped\n",
          stats.arenas_mapped, stats.arenas_peak, stats.arenas_mapped_total,
          stats.arenas_unmapped_total);
  out.Add("  pools (16 KiB): %" PRIu64 " in use now, %" PRIu64 " at peak, %" PRIu64
          " free and resident\n",
          stats.pools_in_use, stats.pools_peak, stats.dirty_free_pools);
  out.Add("  returned to the OS: %.1f MiB (%.1f MiB of free pools by madvise in %" PRIu64
          " purges, %.1f MiB by unmapping empty arenas)\n",
          MiB(stats.BytesReturnedToOs()), MiB(stats.bytes_purged_total), stats.purges,
          MiB(stats.bytes_unmapped_dirty_total));
  out.Add("  small blocks: %" PRIu64 " allocated, %" PRIu64 " live now (%.1f MiB); %" PRIu64
          " reallocs in place\n",
          stats.SmallAllocs(), stats.SmallAllocs() - stats.SmallFrees(),
          MiB(stats.LiveSmallBytes()), stats.in_place_reallocs);
  out.Add("  passed to the previous allocator: %" PRIu64 " allocs (> %zu bytes), %" PRIu64
          " frees, %" PRIu64 " reallocs\n",
          stats.forwarded_allocs, alloc::kMaxSmallSize, stats.forwarded_frees,
          stats.forwarded_reallocs);
  if (const StackTableCounts* r = context.recorder) {
    out.Add("  recorder: %" PRIu64 " code objects known now (%" PRIu64 " at most), %" PRIu64
            " seen, %" PRIu64 " forgotten at their free; %" PRIu64
            " stacks looked up (the table forgot them all %" PRIu64 " times)\n",
            r->codes_held, r->codes_held_peak, r->codes_seen, r->codes_forgotten, r->stacks_held,
            r->stack_forgets);
  }
  out.Add("  %5s %14s %14s %10s %7s\n", "size", "allocated", "freed", "live", "pools");
  for (unsigned c = 0; c < alloc::kNumSizeClasses; ++c) {
    const alloc::SizeClassStats& s = stats.classes[c];
    if (s.allocs == 0) continue;
    out.Add("  %5zu %14" PRIu64 " %14" PRIu64 " %10" PRIu64 " %7" PRIu64 "\n",
            alloc::BlockSizeOf(c), s.allocs, s.frees, s.LiveBlocks(), s.pools);
  }
  WriteAll(fd, out.data(), out.length());
}

void AppendStatsJson(const char* path, const StatsContext& context,
                     const alloc::AllocatorStats& stats) {
  Buffer out;
  char version[32];
  ShortVersion(context.python_version, version, sizeof version);
  out.Add(
      "{\"pid\":%d,\"ppid\":%d,\"python\":\"%s\",\"allocator\":\"%s\",\"hooks_installed\":%s"
      ",\"serialized\":%s",
      static_cast<int>(getpid()), static_cast<int>(getppid()), version, context.allocator,
      context.hooks_installed ? "true" : "false", context.serialized ? "true" : "false");
  out.Add(",\"small_allocs\":%" PRIu64 ",\"live_small_bytes\":%" PRIu64, stats.SmallAllocs(),
          stats.LiveSmallBytes());
  out.Add(",\"forwarded_allocs\":%" PRIu64 ",\"forwarded_frees\":%" PRIu64
          ",\"forwarded_reallocs\":%" PRIu64 ",\"in_place_reallocs\":%" PRIu64,
          stats.forwarded_allocs, stats.forwarded_frees, stats.forwarded_reallocs,
          stats.in_place_reallocs);
  out.Add(",\"arenas_mapped\":%" PRIu64 ",\"arenas_peak\":%" PRIu64
          ",\"arenas_mapped_total\":%" PRIu64 ",\"arenas_unmapped_total\":%" PRIu64,
          stats.arenas_mapped, stats.arenas_peak, stats.arenas_mapped_total,
          stats.arenas_unmapped_total);
  out.Add(",\"pools_in_use\":%" PRIu64 ",\"pools_peak\":%" PRIu64 ",\"dirty_free_pools\":%" PRIu64
          ",\"purges\":%" PRIu64 ",\"bytes_purged\":%" PRIu64 ",\"bytes_unmapped\":%" PRIu64,
          stats.pools_in_use, stats.pools_peak, stats.dirty_free_pools, stats.purges,
          stats.bytes_purged_total, stats.bytes_unmapped_dirty_total);
  if (const StackTableCounts* r = context.recorder) {
    out.Add(",\"recorder\":{\"codes_held\":%" PRIu64 ",\"codes_held_peak\":%" PRIu64
            ",\"codes_seen\":%" PRIu64 ",\"codes_forgotten\":%" PRIu64 ",\"stacks_held\":%" PRIu64
            ",\"stack_forgets\":%" PRIu64 "}",
            r->codes_held, r->codes_held_peak, r->codes_seen, r->codes_forgotten, r->stacks_held,
            r->stack_forgets);
  }
  out.Add(",\"classes\":[");
  for (unsigned c = 0; c < alloc::kNumSizeClasses; ++c) {
    const alloc::SizeClassStats& s = stats.classes[c];
    out.Add("%s{\"size\":%zu,\"allocs\":%" PRIu64 ",\"frees\":%" PRIu64 ",\"pools\":%" PRIu64 "}",
            c == 0 ? "" : ",", alloc::BlockSizeOf(c), s.allocs, s.frees, s.pools);
  }
  out.Add("]}\n");
  const int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    Log("cannot write statistics to %s: %s", path, strerror(errno));
    return;
  }
  WriteAll(fd, out.data(), out.length());  // one write: lines of processes do not interleave
  close(fd);
}

}  // namespace arenatrace::preload
