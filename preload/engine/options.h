// The engine's options, read from the environment that `arenatrace run` sets
// (a user may also set them by hand). Documented in docs/USAGE.md.
#ifndef ARENATRACE_PRELOAD_ENGINE_OPTIONS_H_
#define ARENATRACE_PRELOAD_ENGINE_OPTIONS_H_

#include <csignal>

namespace arenatrace::preload {

enum class AllocatorChoice {
  kArenatrace,  // serve MEM and OBJ from arenatrace's allocator (default)
  kPymalloc,    // keep CPython's allocator untouched
};

// Stacks keep every frame by default (0). Each event walks its whole stack,
// so a deep recursion that allocates costs in proportion to its depth
// (docs/PERFORMANCE.md); --max-depth=N keeps the innermost N.
inline constexpr unsigned kDefaultMaxDepth = 0;

// The trie of stacks the recorder looks stacks up in holds at most this many
// nodes (8 bytes each, and 4 to 8 of index): past it, the table forgets every
// stack and the trace defines the ones still in use again, under new ids. A
// program with millions of distinct stacks (a test suite) so costs the
// recorder at most ~16 MiB of table instead of growing with its stacks; the
// trace pays with the stacks it defines twice (docs/PERFORMANCE.md).
inline constexpr unsigned kDefaultMaxStackNodes = 1u << 20;

// The signal that records a mark ("kill -USR2 <pid>"). Were a program to
// handle it itself, its handler replaces ours.
inline constexpr int kDefaultMarkSignal = SIGUSR2;

// When heap snapshots are taken (heap_snapshot.h), and the signal that asks
// for one ("kill -USR1 <pid>").
enum class SnapshotChoice { kFinal, kSignal, kNever };
inline constexpr int kDefaultSnapshotSignal = SIGUSR1;

struct EngineOptions {
  char output_path[4096] = {};  // ARENATRACE_OUTPUT: the trace to write; empty: record nothing
  long root_pid = 0;            // ARENATRACE_ROOT_PID: the process that writes output_path itself
  unsigned max_depth = kDefaultMaxDepth;  // ARENATRACE_MAX_DEPTH: frames kept per stack, 0: all
  unsigned max_stack_nodes = kDefaultMaxStackNodes;  // ARENATRACE_STACK_NODES, 0: no bound
  AllocatorChoice allocator = AllocatorChoice::kArenatrace;
  unsigned long long sample_bytes = 0;   // ARENATRACE_SAMPLE_BYTES: mean bytes per sample, 0: all
  int mark_signal = kDefaultMarkSignal;  // ARENATRACE_MARK_SIGNAL: name or number, "none": off
  SnapshotChoice snapshot = SnapshotChoice::kFinal;  // ARENATRACE_SNAPSHOT: final, signal, never
  int snapshot_signal = kDefaultSnapshotSignal;      // ARENATRACE_SNAPSHOT_SIGNAL: as mark_signal
  bool stats_to_stderr = false;                      // ARENATRACE_STATS=1, or a file
  char stats_path[1024] = {};       // ARENATRACE_STATS=FILE (a path): the table goes there
  char stats_json_path[1024] = {};  // ARENATRACE_STATS_JSON=FILE: one JSON line per process
};

// "USR2", "SIGUSR2" or a number -> the signal; "none" -> 0; -1 when unknown.
int ParseSignal(const char* name);

// Reads ARENATRACE_* variables. An unknown value is reported on stderr and
// the default is used: a typo must not stop the program.
EngineOptions ReadEngineOptions();

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_OPTIONS_H_
