// The one replay of a trace: a single streaming pass over its chunks that
// keeps what every report needs (definitions, live blocks, per-domain totals,
// peaks, threads, GC runs, marks) in memory proportional to live blocks, not
// to events. Reports (summary, leaks, flame graphs ...) are views over it.
#ifndef ARENATRACE_ANALYZER_REPLAY_TRACE_MODEL_H_
#define ARENATRACE_ANALYZER_REPLAY_TRACE_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/trace/records.h"
#include "core/trace/trace_reader.h"

namespace arenatrace::analyzer {

struct DomainTotals {
  uint64_t allocs = 0;
  uint64_t frees = 0;
  uint64_t reallocs = 0;
  uint64_t bytes_allocated = 0;  // sum of sizes requested (reallocs count their new size)
  uint64_t heap = 0;             // live bytes now
  uint64_t peak_heap = 0;
  uint64_t peak_micros = 0;
};

struct SiteTotals {
  uint64_t allocs = 0;
  uint64_t bytes = 0;
};

struct LiveBlock {
  uint64_t size;
  uint32_t stack;
  trace::Domain domain;
};

struct ThreadInfo {
  uint64_t native_id = 0;
  std::string name;
};

struct TraceModel {
  trace::Header header;
  // Definitions, indexed by id.
  std::vector<trace::Code> codes;
  std::vector<trace::Frame> frames;
  std::vector<trace::Stack> stacks;
  std::vector<ThreadInfo> threads;

  DomainTotals domains[trace::kNumDomains];
  DomainTotals all;  // every domain together
  absl::flat_hash_map<uint64_t, LiveBlock> live;
  absl::flat_hash_map<uint32_t, SiteTotals> allocated_by_stack;

  uint64_t events = 0;
  uint64_t unmatched_frees = 0;  // of blocks allocated before recording began
  uint64_t lost_events = 0;
  uint64_t gc_runs = 0;
  uint64_t gc_collected = 0;
  uint64_t peak_rss = 0;
  uint64_t duration_micros = 0;
  uint64_t finalizing_micros = 0;  // 0: never seen
  std::vector<std::pair<uint64_t, std::string>> marks;
  std::vector<std::pair<uint64_t, std::string>> snapshot_requests;
  std::vector<uint64_t> forked_children;  // pids, in order
  uint64_t pauses = 0;                    // arenatrace.pause() / paused() sections
  uint64_t paused_micros = 0;             // time spent paused
  uint64_t sampled_events = 0;            // AllocWeighted records (each stands for several)
  std::string exec_path;                  // of the last exec the process attempted
  bool replaced_by_exec = false;          // that exec succeeded: it was the last record
  bool ended = false;                     // the End record (or a final Exec) was seen

  // How reading stopped: kEnd for a whole file.
  trace::ChunkStatus stop = trace::ChunkStatus::kEnd;
  std::string problem;
  uint64_t chunks = 0;
  uint64_t file_size = 0;

  // "qualified name (file:line)" of a stack's innermost frame.
  std::string Site(uint32_t stack) const;
  // Innermost first.
  std::vector<const trace::Frame*> Frames(uint32_t stack) const;
  bool Complete() const { return stop == trace::ChunkStatus::kEnd && ended; }
};

// Replays the trace at `path` into `model`. Returns false with `error` (one
// line) when the file cannot be read at all; a truncated or damaged file is
// read up to its last intact chunk and returns true (see model->stop).
bool ReplayTrace(const std::string& path, TraceModel* model, std::string* error);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_REPLAY_TRACE_MODEL_H_
