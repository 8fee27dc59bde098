#include "preload/engine/options.h"

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "preload/log.h"

namespace arenatrace::preload {

int ParseSignal(const char* name) {
  if (strcmp(name, "none") == 0 || strcmp(name, "0") == 0) return 0;
  char* end = nullptr;
  const long number = strtol(name, &end, 10);
  if (*end == '\0') return number > 0 && number < NSIG ? static_cast<int>(number) : -1;
  if (strncmp(name, "SIG", 3) == 0) name += 3;
  // By name, only the two signals left to applications.
  for (int signal_number : {SIGUSR1, SIGUSR2}) {
    if (strcmp(name, sigabbrev_np(signal_number)) == 0) return signal_number;
  }
  return -1;
}

namespace {

// A signal option: false when the variable is unset or empty; an unknown
// value turns off what the signal is for (`what`), with one line.
bool ReadSignal(const char* variable, const char* what, int* signal_number) {
  const char* name = getenv(variable);
  if (name == nullptr || *name == '\0') return false;
  const int number = ParseSignal(name);
  if (number < 0) {
    Log("%s=%s is not a signal (USR1, SIGUSR2, 10, none ...); %s by signal are off", variable, name,
        what);
  }
  *signal_number = number < 0 ? 0 : number;
  return true;
}

}  // namespace

EngineOptions ReadEngineOptions() {
  EngineOptions options;
  if (const char* allocator = getenv("ARENATRACE_ALLOCATOR"); allocator != nullptr) {
    if (strcmp(allocator, "pymalloc") == 0) {
      options.allocator = AllocatorChoice::kPymalloc;
    } else if (strcmp(allocator, "arenatrace") != 0 && *allocator != '\0') {
      Log("ARENATRACE_ALLOCATOR=%s is not one of arenatrace, pymalloc; using arenatrace",
          allocator);
    }
  }
  if (const char* stats = getenv("ARENATRACE_STATS"); stats != nullptr) {
    options.stats_to_stderr = *stats != '\0' && strcmp(stats, "0") != 0;
    // Copied: the program may rewrite its environment before we read it back at exit.
    if (stats[0] == '/') snprintf(options.stats_path, sizeof options.stats_path, "%s", stats);
  }
  if (const char* path = getenv("ARENATRACE_STATS_JSON"); path != nullptr && *path != '\0') {
    // Copied: the program may rewrite its environment before we read it back at exit.
    snprintf(options.stats_json_path, sizeof options.stats_json_path, "%s", path);
  }
  if (const char* output = getenv("ARENATRACE_OUTPUT"); output != nullptr && *output != '\0') {
    snprintf(options.output_path, sizeof options.output_path, "%s", output);
  }
  if (const char* root = getenv("ARENATRACE_ROOT_PID"); root != nullptr) {
    options.root_pid = strtol(root, nullptr, 10);
  }
  if (const char* depth = getenv("ARENATRACE_MAX_DEPTH"); depth != nullptr && *depth != '\0') {
    char* end = nullptr;
    const long value = strtol(depth, &end, 10);
    if (*end != '\0' || value < 0) {
      Log("ARENATRACE_MAX_DEPTH=%s is not a number of frames; keeping every frame", depth);
    } else {
      options.max_depth = static_cast<unsigned>(value);
    }
  }
  if (const char* nodes = getenv("ARENATRACE_STACK_NODES"); nodes != nullptr && *nodes != '\0') {
    char* end = nullptr;
    const long value = strtol(nodes, &end, 10);
    if (*end != '\0' || value < 0 || value > UINT32_MAX / 2) {
      Log("ARENATRACE_STACK_NODES=%s is not a number of stacks; keeping at most %u", nodes,
          kDefaultMaxStackNodes);
    } else {
      options.max_stack_nodes = static_cast<unsigned>(value);
    }
  }
  if (const char* sample = getenv("ARENATRACE_SAMPLE_BYTES"); sample != nullptr && *sample) {
    char* end = nullptr;
    const unsigned long long value = strtoull(sample, &end, 10);
    if (*end != '\0' || *sample == '-') {
      Log("ARENATRACE_SAMPLE_BYTES=%s is not a number of bytes; recording every event", sample);
    } else {
      options.sample_bytes = value;
    }
  }
  ReadSignal("ARENATRACE_MARK_SIGNAL", "marks", &options.mark_signal);
  if (const char* when = getenv("ARENATRACE_SNAPSHOT"); when != nullptr && *when != '\0') {
    if (strcmp(when, "final") == 0) {
      options.snapshot = SnapshotChoice::kFinal;
    } else if (strcmp(when, "signal") == 0) {
      options.snapshot = SnapshotChoice::kSignal;
    } else if (strcmp(when, "never") == 0) {
      options.snapshot = SnapshotChoice::kNever;
    } else {
      Log("ARENATRACE_SNAPSHOT=%s is not one of final, signal, never; using final", when);
    }
  }
  const bool snapshot_signal_set =
      ReadSignal("ARENATRACE_SNAPSHOT_SIGNAL", "snapshots", &options.snapshot_signal);
  // The mark signal moved onto the default snapshot signal: marks win, and
  // only a snapshot signal chosen too is worth a word.
  if (options.snapshot_signal != 0 && options.snapshot_signal == options.mark_signal) {
    if (snapshot_signal_set) {
      Log("the snapshot signal and the mark signal are both %s; snapshots by signal are off",
          sigabbrev_np(options.snapshot_signal));
    }
    options.snapshot_signal = 0;
  }
  return options;
}

}  // namespace arenatrace::preload
