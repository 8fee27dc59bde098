// The one call from the version-agnostic dispatcher (libarenatrace.so) into
// the engine built for the process's CPython (libarenatrace-cp3XY.so).
// Plain C types only: the two are built separately and loaded at run time.
#ifndef ARENATRACE_PRELOAD_ENGINE_ABI_H_
#define ARENATRACE_PRELOAD_ENGINE_ABI_H_

#define ARENATRACE_ENGINE_START_SYMBOL "arenatrace_engine_start"
#define ARENATRACE_ENGINE_BEFORE_EXIT_SYMBOL "arenatrace_engine_before_exit"
#define ARENATRACE_ENGINE_AFTER_FORK_SYMBOL "arenatrace_engine_after_fork_in_parent"
#define ARENATRACE_ENGINE_BEFORE_EXEC_SYMBOL "arenatrace_engine_before_exec"
#define ARENATRACE_ENGINE_AFTER_FAILED_EXEC_SYMBOL "arenatrace_engine_after_failed_exec"
#define ARENATRACE_ENGINE_ABI_VERSION 2

extern "C" {

struct ArenatraceStartInfo {
  int abi_version;
  int argc;  // the process's command line, as glibc gives it to constructors
  char** argv;
  const char* python_version;  // Py_GetVersion()
};

// Returns 0 when the engine started, non-zero when it chose to stay out of
// the process (it has then said why on stderr).
typedef int (*ArenatraceEngineStart)(const ArenatraceStartInfo* info);

// Called by the dispatcher's _exit/_Exit (os._exit, multiprocessing children),
// which skip atexit handlers: the engine writes what it has buffered.
typedef void (*ArenatraceEngineBeforeExit)(void);

// Called by the dispatcher's fork wrapper in the parent, after fork returned.
typedef void (*ArenatraceEngineAfterForkInParent)(long child_pid);

// Called by the dispatcher's exec wrappers before the image is replaced (also
// in a vfork child, where the engine must touch nothing: it checks its pid).
typedef void (*ArenatraceEngineBeforeExec)(const char* path);

// Called by the exec wrappers when exec returned (it failed): recording goes on.
typedef void (*ArenatraceEngineAfterFailedExec)(void);
}

#endif  // ARENATRACE_PRELOAD_ENGINE_ABI_H_
