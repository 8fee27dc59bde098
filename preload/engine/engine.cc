// The engine for one CPython minor version (libarenatrace-cp3XY.so), started
// by the dispatcher from its constructor, before the interpreter initialises.
#include <Python.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "preload/cpython/object_allocator.h"
#include "preload/engine/domain_hooks.h"
#include "preload/engine/options.h"
#include "preload/engine/python_command_line.h"
#include "preload/engine/recorder.h"
#include "preload/engine/stats_report.h"
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
const char* AllocatorName() {
  return ServesSmallObjects() ? "arenatrace" : cpython::kOwnObjectAllocator;
}

void ReportStatsAtExit() {
  StatsContext context = {g_python_version, AllocatorName(), AllocatorHooksInstalled(),
                          AllocatorCallsSerialized()};
  const alloc::AllocatorStats stats = AllocatorStatsNow();
  if (g_options.stats_to_stderr) WriteStatsText(STDERR_FILENO, context, stats);
  if (g_options.stats_json_path[0] != '\0') {
    AppendStatsJson(g_options.stats_json_path, context, stats);
  }
}

// PYTHONMALLOC (any value) and development mode make CPython re-install its
// own allocators during pre-initialisation, silently replacing ours. Both are
// the user's explicit choice of CPython's allocator (for its debug hooks, for
// valgrind, ...): it wins, and we say so. Returns false when our allocator
// must stay out. See docs/ALLOCATOR.md.
bool MayInstallOurAllocator(const PythonCommandLine& command_line) {
  const char* dev_mode_env = getenv("PYTHONDEVMODE");
  const bool dev_mode = command_line.dev_mode || (!command_line.ignores_environment &&
                                                  dev_mode_env != nullptr && *dev_mode_env != '\0');
  if (dev_mode) {
    Log("Python development mode (-X dev or PYTHONDEVMODE) installs CPython's debug allocator; "
        "arenatrace's allocator is not used in this process");
    return false;
  }
  const char* python_malloc = getenv("PYTHONMALLOC");
  if (python_malloc != nullptr && *python_malloc != '\0' && !command_line.ignores_environment) {
    Log("PYTHONMALLOC=%s selects CPython's allocator; arenatrace's allocator is not used in "
        "this process (unset PYTHONMALLOC to use it)",
        python_malloc);
    return false;
  }
  return true;
}

int Start(const ArenatraceStartInfo* info) {
  if (info->abi_version != ARENATRACE_ENGINE_ABI_VERSION) {
    Log("the dispatcher and the engine come from different builds; this process runs untraced");
    return 1;
  }
  g_python_version = info->python_version;
  g_options = ReadEngineOptions();
  if (g_options.stats_to_stderr || g_options.stats_json_path[0] != '\0') {
    atexit(&ReportStatsAtExit);
  }
  const bool record = g_options.output_path[0] != '\0';
  if (!MayInstallOurAllocator(ParsePythonCommandLine(info->argc, info->argv))) return 0;

  if (g_options.allocator == AllocatorChoice::kArenatrace && !ServesSmallObjects() &&
      g_options.stats_to_stderr) {
    Log("the free-threaded build keeps CPython's allocator (%s: its garbage collector walks "
        "mimalloc's heaps); arenatrace's allocator is not used in this process",
        cpython::kOwnObjectAllocator);
  }
  HookChoice choice = {ServesSmallObjects(), false};
  if (record) {
    RecordingOptions recording;
    snprintf(recording.output_path, sizeof recording.output_path, "%s", g_options.output_path);
    recording.root_pid = g_options.root_pid;
    recording.max_depth = g_options.max_depth;
    recording.sample_bytes = g_options.sample_bytes;
    recording.mark_signal = g_options.mark_signal;
    recording.allocator = AllocatorName();
    recording.argc = info->argc;
    recording.argv = info->argv;
    recording.python_version = info->python_version;
    choice.record = StartRecording(recording);
    // Registered after the statistics report, so it runs before it.
    if (choice.record) atexit(&StopRecording);
  }
  InstallDomainHooks(choice);
  return 0;
}

}  // namespace
}  // namespace arenatrace::preload

extern "C" __attribute__((visibility("default"))) void arenatrace_engine_before_exit() {
  arenatrace::preload::StopRecording();
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
