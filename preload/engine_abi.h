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
#define ARENATRACE_ENGINE_FATAL_SIGNAL_HANDLER_SYMBOL "arenatrace_engine_fatal_signal_handler"
#define ARENATRACE_ENGINE_AFTER_PYTHON_PREINIT_SYMBOL "arenatrace_engine_after_python_preinit"
#define ARENATRACE_ENGINE_ABI_VERSION 3

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
// which skip atexit handlers, and by its kill/raise before a signal the
// process sends itself ends it (CPython does after an uncaught
// KeyboardInterrupt, once finalised): the engine completes the trace and
// writes its statistics.
typedef void (*ArenatraceEngineBeforeExit)(void);

// Called by the dispatcher's sigaction, the first time the main thread calls
// it: CPython installs its signal handlers after its pre-initialisation,
// which is where PYTHONMALLOC and development mode replace the allocators.
typedef void (*ArenatraceEngineAfterPythonPreinit)(void);

// The engine's handler of SIGINT, SIGTERM and SIGHUP (see recorder.h): a
// signal with it ends the process as if it had its default action. The
// dispatcher's sigaction puts it wherever the program asks for that action.
typedef void (*ArenatraceEngineFatalSignalHandler)(int signal_number);
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
