// `arenatrace run --stats`: what the allocator did, printed when the process
// exits — how a user sees that arenatrace's allocator was serving.
#ifndef ARENATRACE_PRELOAD_ENGINE_STATS_REPORT_H_
#define ARENATRACE_PRELOAD_ENGINE_STATS_REPORT_H_

#include "core/alloc/stats.h"

namespace arenatrace::preload {

struct StackTableCounts;  // stack_table.h

struct StatsContext {
  const char* python_version;                  // Py_GetVersion()
  const char* allocator;                       // "arenatrace" or "pymalloc"
  bool hooks_installed;                        // false: CPython replaced our allocator
  bool serialized;                             // calls took a lock: interpreters ran in parallel
  const StackTableCounts* recorder = nullptr;  // what the recorder holds; null: not recording
};

// A human-readable table, for stderr.
void WriteStatsText(int fd, const StatsContext& context, const alloc::AllocatorStats& stats);

// One JSON object on one line, appended with O_APPEND so that every process of
// a tree (regrtest workers, forks) can share one file. Fields are documented
// in docs/USAGE.md.
void AppendStatsJson(const char* path, const StatsContext& context,
                     const alloc::AllocatorStats& stats);

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_STATS_REPORT_H_
