// What the replay of one trace knows at any moment: the header, the symbols,
// the clock, threads, marks, per-domain totals and the process's events.
// Observers read it during the replay; reports read it after.
#ifndef ARENATRACE_ANALYZER_REPLAY_REPLAY_STATE_H_
#define ARENATRACE_ANALYZER_REPLAY_REPLAY_STATE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/model/ids.h"
#include "analyzer/model/symbols.h"
#include "analyzer/replay/block.h"
#include "core/trace/records.h"
#include "core/trace/trace_reader.h"

namespace arenatrace::analyzer {

struct DomainTotals {
  uint64_t allocs = 0;  // allocation records (estimated blocks, when sampled)
  uint64_t frees = 0;   // frees of recorded blocks (estimated likewise)
  uint64_t reallocs = 0;
  uint64_t bytes_allocated = 0;  // sizes requested (a realloc counts its new size)
  uint64_t heap = 0;             // live bytes now
  uint64_t peak_heap = 0;
  uint64_t peak_micros = 0;
};

struct ThreadInfo {
  uint64_t native_id = 0;
  std::string name;
};

struct MarkInfo {
  uint64_t micros = 0;
  uint64_t seq = 0;  // allocations made before it
  std::string label;
};

struct ForkInfo {
  uint64_t micros = 0;
  uint64_t child_pid = 0;
};

// A snapshot of the object graph (its objects go to the observers).
struct SnapshotInfo {
  uint64_t micros = 0;
  uint64_t seq = 0;  // allocations made before it
  trace::SnapshotTrigger trigger = trace::SnapshotTrigger::kRequest;
  std::string label;
  uint64_t objects = 0;
  uint64_t edges = 0;
  bool complete = false;  // its SnapshotEnd was read
};

struct ReplayState {
  std::string path;
  trace::Header header;
  uint64_t file_size = 0;
  Symbols symbols;
  std::vector<ThreadInfo> threads;
  // Every live block, by address (all of them, selected or not).
  const absl::flat_hash_map<uint64_t, Block>* live = nullptr;

  // The moment: the clock, the allocations so far, whose events these are.
  uint64_t now = 0;
  uint64_t seq = 0;
  ThreadId thread;
  std::vector<uint32_t> thread_allocs;  // allocations so far, per thread (wrapping)

  DomainTotals domains[trace::kNumDomains];
  DomainTotals all;
  // The tracemalloc domain numbers of the traced blocks (PyTraceMalloc_Track),
  // in the order first seen; at most kMaxTracedDomains are kept.
  std::vector<uint64_t> traced_domains;
  static constexpr size_t kMaxTracedDomains = 16;
  uint64_t events = 0;
  uint64_t unmatched_frees = 0;  // frees of blocks allocated before recording (or paused)
  uint64_t replaced_blocks = 0;  // live blocks overwritten by an allocation at their address
  uint64_t lost_events = 0;
  uint64_t sampled_events = 0;
  uint64_t gc_runs = 0;
  uint64_t gc_collected = 0;
  uint64_t gc_uncollectable = 0;
  uint64_t peak_rss = 0;
  uint64_t peak_rss_micros = 0;
  uint64_t last_rss = 0;
  uint64_t heap_at_peak_rss = 0;
  std::vector<MarkInfo> marks;
  std::vector<MarkInfo> snapshot_requests;
  std::vector<SnapshotInfo> snapshots;
  // The snapshots' strings (type, edge and root names), by id; 0 is "".
  std::vector<std::string> snapshot_names{std::string()};
  std::vector<ForkInfo> forks;
  uint64_t pauses = 0;
  uint64_t paused_micros = 0;
  std::string exec_path;  // of the last exec the process attempted
  bool replaced_by_exec = false;
  bool ended = false;  // End (or a final Exec) was seen

  // The program's phases: start-up (until the first allocation whose
  // outermost frame is not the import system or site), the program's own
  // code, and finalisation (from the Finalizing record).
  uint64_t startup_end_seq = 0;  // 0: start-up never ended
  uint64_t startup_end_micros = 0;
  bool finalizing = false;
  uint64_t finalizing_micros = 0;
  uint64_t finalizing_seq = 0;

  // The clock against allocations: (seq, micros) at each advance of time.
  std::vector<std::pair<uint64_t, uint64_t>> clock;

  // How reading stopped: kEnd for a whole file.
  trace::ChunkStatus stop = trace::ChunkStatus::kEnd;
  std::string problem;
  uint64_t chunks = 0;

  bool Complete() const { return stop == trace::ChunkStatus::kEnd && ended; }
  // The time of the allocation numbered `seq`.
  uint64_t MicrosOfSeq(uint64_t seq) const;
  // The end of the program's own code: finalisation, else the last record.
  uint64_t ProgramEndMicros() const { return finalizing ? finalizing_micros : now; }
  const char* StatusName() const;  // "complete", "cut_short", "damaged"
  std::string StatusLine() const;  // the same, with the reason
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_REPLAY_REPLAY_STATE_H_
