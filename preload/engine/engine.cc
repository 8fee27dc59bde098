// The engine for one CPython minor version (libarenatrace-cp3XY.so), started
// by the dispatcher from its constructor, before the interpreter initialises.
#include <Python.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "preload/cpython/object_allocator.h"
#include "preload/engine/domain_hooks.h"
#include "preload/engine/heap_snapshot.h"
#include "preload/engine/options.h"
#include "preload/engine/python_command_line.h"
#include "preload/engine/recorder.h"
#include "preload/engine/stats_report.h"
#include "preload/engine/traced_hooks.h"
#include "preload/engine_abi.h"
#include "preload/log.h"

namespace arenatrace::preload {
namespace {

EngineOptions g_options;
const char* g_python_version = "";

// arenatrace's allocator when chosen and possible (not on the free-threaded
// build: preload/cpython/object_allocator.h), else CPython's own.
bool ServesSmallObjects() {
  return g_options.allocator == AllocatorChoice::kArenatrace && cpython::kCanReplaceObjectAllocator;
}
char g_chosen_allocator[64] = {};  // PYTHONMALLOC's, or "debug" (development mode)
const char* AllocatorName() {
  if (g_chosen_allocator[0] != '\0') return g_chosen_allocator;
  return ServesSmallObjects() ? "arenatrace" : cpython::kOwnObjectAllocator;
}

// ARENATRACE_STATS is "1" (the process's stderr) or a file to append to:
// `arenatrace run` names its own stderr (/proc/<its pid>/fd/2), so that the
// table reaches the user's terminal, not a pipe the program reads its
// children's stderr from.
void WriteToStatsDestination(const char* text, size_t size) {
  if (g_options.stats_path[0] == '\0') {
    WriteAll(STDERR_FILENO, text, size);
    return;
  }
  const int fd = open(g_options.stats_path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return;  // said at exit, with the table
  WriteAll(fd, text, size);
  close(fd);
}

void WriteStatsTable(const StatsContext& context, const alloc::AllocatorStats& stats) {
  if (g_options.stats_path[0] == '\0') {
    WriteStatsText(STDERR_FILENO, context, stats);
    return;
  }
  const int fd = open(g_options.stats_path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    Log("cannot write statistics to %s: %s", g_options.stats_path, strerror(errno));
    return;
  }
  WriteStatsText(fd, context, stats);
  close(fd);
}

void ReportStats() {
  StatsContext context = {g_python_version, AllocatorName(), AllocatorHooksInstalled(),
                          AllocatorCallsSerialized()};
  StackTableCounts recorder;
  if (RecorderCounts(&recorder)) context.recorder = &recorder;
  const alloc::AllocatorStats stats = AllocatorStatsNow();
  if (g_options.stats_to_stderr) WriteStatsTable(context, stats);
  if (g_options.stats_json_path[0] != '\0') {
    AppendStatsJson(g_options.stats_json_path, context, stats);
  }
}

// PYTHONMALLOC (any value) and development mode make CPython re-install
// its own allocators during pre-initialisation (after our constructor),
// silently replacing ours. Both are the user's explicit choice of CPython's
// allocator (for its debug hooks, for valgrind, ...): it is kept, as with
// --allocator=pymalloc, and recording wraps it once CPython has installed it
// (arenatrace_engine_after_python_preinit). Returns the name of the
// allocator chosen (null: none), having said so in one line. See
// docs/ALLOCATOR.md.
const char* CPythonAllocatorChosen(const PythonCommandLine& command_line) {
  const char* dev_mode_env = getenv("PYTHONDEVMODE");
  const bool dev_mode = command_line.dev_mode || (!command_line.ignores_environment &&
                                                  dev_mode_env != nullptr && *dev_mode_env != '\0');
  if (dev_mode) {
    Log("Python development mode (-X dev or PYTHONDEVMODE) installs CPython's debug allocator; "
        "arenatrace keeps it and records through it, as with --allocator=pymalloc");
    return "debug";
  }
  const char* python_malloc = getenv("PYTHONMALLOC");
  if (python_malloc != nullptr && *python_malloc != '\0' && !command_line.ignores_environment) {
    Log("PYTHONMALLOC=%s selects CPython's allocator; arenatrace keeps it and records through "
        "it, as with --allocator=pymalloc (unset PYTHONMALLOC for arenatrace's allocator)",
        python_malloc);
    return python_malloc;
  }
  return nullptr;
}

// Set when CPython is about to replace the hooks: installed once it has.
HookChoice g_hooks_after_preinit;
std::atomic<bool> g_hooks_pending{false};

// The end of the process, by exit, _exit (os._exit, multiprocessing's
// workers) or a signal it sends itself: the trace's End, then the
// statistics (which then count the recorder's last frees too). Once.
void FinishProcess() {
  static std::atomic<bool> finished{false};
  if (finished.exchange(true)) return;
  StopRecording();
  if (g_options.stats_to_stderr || g_options.stats_json_path[0] != '\0') ReportStats();
}

int Start(const ArenatraceStartInfo* info) {
  if (info->abi_version != ARENATRACE_ENGINE_ABI_VERSION) {
    Log("the dispatcher and the engine come from different builds; this process runs untraced");
    return 1;
  }
  g_python_version = info->python_version;
  g_options = ReadEngineOptions();
  atexit(&FinishProcess);
  const bool record = g_options.output_path[0] != '\0';
  const char* cpython_allocator =
      CPythonAllocatorChosen(ParsePythonCommandLine(info->argc, info->argv));
  if (cpython_allocator != nullptr) {
    g_options.allocator = AllocatorChoice::kPymalloc;
    snprintf(g_chosen_allocator, sizeof g_chosen_allocator, "%s", cpython_allocator);
  }

  if (g_options.allocator == AllocatorChoice::kArenatrace && !ServesSmallObjects() &&
      g_options.stats_to_stderr) {
    // Part of the statistics: it goes where they go.
    char line[256];
    const int length = snprintf(
        line, sizeof line,
        "arenatrace: the free-threaded build keeps CPython's allocator (%s: its garbage "
        "collector walks mimalloc's heaps); arenatrace's allocator is not used in this process\n",
        cpython::kOwnObjectAllocator);
    WriteToStatsDestination(line, static_cast<size_t>(length));
  }
  HookChoice choice = {ServesSmallObjects(), false};
  if (record) {
    RecordingOptions recording;
    snprintf(recording.output_path, sizeof recording.output_path, "%s", g_options.output_path);
    recording.root_pid = g_options.root_pid;
    recording.max_depth = g_options.max_depth;
    recording.max_stack_nodes = g_options.max_stack_nodes;
    recording.sample_bytes = g_options.sample_bytes;
    recording.mark_signal = g_options.mark_signal;
    recording.allocator = AllocatorName();
    recording.argc = info->argc;
    recording.argv = info->argv;
    recording.python_version = info->python_version;
    choice.record = StartRecording(recording);
    // numpy's arrays and other blocks extensions report to tracemalloc.
    if (choice.record) InstallTracedHooks();
    const SnapshotMode snapshots =
        g_options.snapshot == SnapshotChoice::kFinal    ? SnapshotMode::kFinal
        : g_options.snapshot == SnapshotChoice::kSignal ? SnapshotMode::kSignal
                                                        : SnapshotMode::kNever;
    ConfigureSnapshots(snapshots, g_options.snapshot_signal);
  }
  if (cpython_allocator != nullptr) {
    g_hooks_after_preinit = choice;
    g_hooks_pending.store(true);
  } else {
    InstallDomainHooks(choice);
  }
  return 0;
}

}  // namespace
}  // namespace arenatrace::preload

extern "C" __attribute__((visibility("default"))) void arenatrace_engine_before_exit() {
  arenatrace::preload::FinishProcess();
}

// From the dispatcher's sigaction, on the main thread: CPython installs its
// signal handlers after pre-initialisation, so its allocators are in place.
extern "C" __attribute__((visibility("default"))) void arenatrace_engine_after_python_preinit() {
  if (!arenatrace::preload::g_hooks_pending.exchange(false)) return;
  arenatrace::preload::InstallDomainHooks(arenatrace::preload::g_hooks_after_preinit);
}

extern "C" __attribute__((visibility("default"))) void arenatrace_engine_after_fork_in_parent(
    long child_pid) {
  arenatrace::preload::RecordForkInParent(child_pid);
}

extern "C" __attribute__((visibility("default"))) void arenatrace_engine_before_exec(
    const char* path) {
  arenatrace::preload::BeforeExec(path);
}

extern "C" __attribute__((visibility("default"))) void arenatrace_engine_after_failed_exec() {
  arenatrace::preload::AfterFailedExec();
}

extern "C" __attribute__((visibility("default"))) int arenatrace_engine_start(
    const ArenatraceStartInfo* info) {
  return arenatrace::preload::Start(info);
}
