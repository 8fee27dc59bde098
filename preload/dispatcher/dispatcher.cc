// libarenatrace.so: the library users preload. It is version-agnostic and
// tiny. In a process that is not a Python interpreter (a shell, env, a
// compiler run by a build) it does nothing at all, silently, and leaves
// LD_PRELOAD for the children. In a CPython it loads the engine built for that
// minor version, found next to itself, and starts it before `main`.
#include <alloca.h>
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "preload/engine_abi.h"
#include "preload/log.h"

namespace arenatrace::preload {
namespace {

ArenatraceEngineBeforeExit g_before_exit = nullptr;
ArenatraceEngineAfterForkInParent g_after_fork_in_parent = nullptr;
ArenatraceEngineBeforeExec g_before_exec = nullptr;
ArenatraceEngineAfterFailedExec g_after_failed_exec = nullptr;
ArenatraceEngineFatalSignalHandler g_fatal_signal_handler = nullptr;
ArenatraceEngineAfterPythonPreinit g_after_python_preinit = nullptr;

// The functions our wrappers stand in front of, resolved in the constructor:
// a vfork child calling exec must not run the dynamic linker.
using ForkFunction = pid_t (*)();
using ExecveFunction = int (*)(const char*, char* const[], char* const[]);
using ExecvFunction = int (*)(const char*, char* const[]);
using FexecveFunction = int (*)(int, char* const[], char* const[]);
ForkFunction g_fork = nullptr;
ExecveFunction g_execve = nullptr;
ExecvFunction g_execv = nullptr;
ExecvFunction g_execvp = nullptr;
ExecveFunction g_execvpe = nullptr;
FexecveFunction g_fexecve = nullptr;
using KillFunction = int (*)(pid_t, int);
using RaiseFunction = int (*)(int);
KillFunction g_kill = nullptr;
RaiseFunction g_raise = nullptr;
using SigactionFunction = int (*)(int, const struct sigaction*, struct sigaction*);
SigactionFunction g_sigaction = nullptr;

template <class F>
void Resolve(F* function, const char* name) {
  *function = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

void ResolveWrappedFunctions() {
  Resolve(&g_fork, "fork");
  Resolve(&g_execve, "execve");
  Resolve(&g_execv, "execv");
  Resolve(&g_execvp, "execvp");
  Resolve(&g_execvpe, "execvpe");
  Resolve(&g_fexecve, "fexecve");
  Resolve(&g_kill, "kill");
  Resolve(&g_raise, "raise");
  Resolve(&g_sigaction, "sigaction");
}

// "3.11.7 (main, ...)" -> 3, 11; false when it does not look like a version.
bool ParseVersion(const char* version, int* major, int* minor) {
  return sscanf(version, "%d.%d", major, minor) == 2;
}

// The free-threaded build says so in its version string, before the build
// information: "3.14.7 free-threading build (main, ...)" (3.13: "experimental
// free-threading build"). Its engine is a different one: the object layout,
// reference counting and allocator differ.
bool IsFreeThreaded(const char* version) {
  const char* build_info = strchr(version, '(');
  const size_t length =
      build_info == nullptr ? strlen(version) : static_cast<size_t>(build_info - version);
  static constexpr char kWords[] = "free-threading";
  return memmem(version, length, kWords, sizeof kWords - 1) != nullptr;
}

// This process's executable (the interpreter), for messages; "" if unknown.
void OwnExecutable(char* out, size_t size) {
  const ssize_t length = readlink("/proc/self/exe", out, size - 1);
  out[length > 0 ? length : 0] = '\0';
}

// The directory this library was loaded from, with a trailing slash.
bool OwnDirectory(char* out, size_t size) {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&OwnDirectory), &info) == 0 || info.dli_fname == nullptr) {
    return false;
  }
  const char* slash = strrchr(info.dli_fname, '/');
  const size_t length = slash == nullptr ? 0 : static_cast<size_t>(slash - info.dli_fname + 1);
  if (length + 1 > size) return false;
  memcpy(out, info.dli_fname, length);
  out[length] = '\0';
  return true;
}

void Start(int argc, char** argv) {
  const char* disabled = getenv("ARENATRACE_DISABLE");
  if (disabled != nullptr && *disabled != '\0' && strcmp(disabled, "0") != 0) return;

  using GetVersion = const char* (*)();
  auto get_version = reinterpret_cast<GetVersion>(dlsym(RTLD_DEFAULT, "Py_GetVersion"));
  if (get_version == nullptr) return;  // not a Python process: stay dormant and silent

  const char* version = get_version();
  int major = 0;
  int minor = 0;
  if (!ParseVersion(version, &major, &minor)) return;
  if (major != 3 || minor < 8) {
    Log("Python %d.%d is not supported (arenatrace needs CPython 3.8 or newer); "
        "this process runs untraced",
        major, minor);
    return;
  }

  const bool free_threaded = IsFreeThreaded(version);
  const char* kind = free_threaded ? " (free-threaded)" : "";
  if (free_threaded && minor < 14) {
    Log("Python %d.%d%s is not supported (arenatrace serves the free-threaded build from 3.14); "
        "this process runs untraced",
        major, minor, kind);
    return;
  }

  char path[4096];
  if (!OwnDirectory(path, sizeof path)) return;
  const size_t dir_length = strlen(path);
  snprintf(path + dir_length, sizeof path - dir_length, "libarenatrace-cp%d%d%s.so", major, minor,
           free_threaded ? "t" : "");
  if (access(path, R_OK) != 0) {
    char executable[1024];
    OwnExecutable(executable, sizeof executable);
    Log("no engine for Python %d.%d%s: %s was not built (arenatrace builds one per CPython it "
        "finds when it is built); to build it, run arenatrace's scripts/build with %s on PATH "
        "or in -DARENATRACE_PYTHONS; this process runs untraced",
        major, minor, kind, path, executable[0] != '\0' ? executable : "this Python");
    return;
  }
  void* engine = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (engine == nullptr) {
    Log("cannot load %s: %s; this process runs untraced", path, dlerror());
    return;
  }
  auto start =
      reinterpret_cast<ArenatraceEngineStart>(dlsym(engine, ARENATRACE_ENGINE_START_SYMBOL));
  if (start == nullptr) {
    Log("%s has no %s; this process runs untraced", path, ARENATRACE_ENGINE_START_SYMBOL);
    return;
  }
  const ArenatraceStartInfo info = {ARENATRACE_ENGINE_ABI_VERSION, argc, argv, version};
  if (start(&info) == 0) {
    g_before_exit = reinterpret_cast<ArenatraceEngineBeforeExit>(
        dlsym(engine, ARENATRACE_ENGINE_BEFORE_EXIT_SYMBOL));
    g_after_fork_in_parent = reinterpret_cast<ArenatraceEngineAfterForkInParent>(
        dlsym(engine, ARENATRACE_ENGINE_AFTER_FORK_SYMBOL));
    g_before_exec = reinterpret_cast<ArenatraceEngineBeforeExec>(
        dlsym(engine, ARENATRACE_ENGINE_BEFORE_EXEC_SYMBOL));
    g_after_failed_exec = reinterpret_cast<ArenatraceEngineAfterFailedExec>(
        dlsym(engine, ARENATRACE_ENGINE_AFTER_FAILED_EXEC_SYMBOL));
    g_fatal_signal_handler = reinterpret_cast<ArenatraceEngineFatalSignalHandler>(
        dlsym(engine, ARENATRACE_ENGINE_FATAL_SIGNAL_HANDLER_SYMBOL));
    g_after_python_preinit = reinterpret_cast<ArenatraceEngineAfterPythonPreinit>(
        dlsym(engine, ARENATRACE_ENGINE_AFTER_PYTHON_PREINIT_SYMBOL));
  }
}

void BeforeExec(const char* path) {
  if (g_before_exec != nullptr) g_before_exec(path);
}

// exec returned: it failed, and this image goes on.
int AfterExec(int result) {
  const int saved_errno = errno;  // the caller reads why exec failed
  if (g_after_failed_exec != nullptr) g_after_failed_exec();
  errno = saved_errno;
  return result;
}

// execl-style arguments: how many, counting `first` and the final null.
size_t CountArgs(va_list* args) {
  va_list copy;
  va_copy(copy, *args);
  size_t count = 2;
  while (va_arg(copy, char*) != nullptr) ++count;
  va_end(copy);
  return count;
}

// Fills `argv` (CountArgs entries) and consumes the arguments up to the null.
void CollectArgs(const char* first, va_list* args, char** argv, size_t count) {
  argv[0] = const_cast<char*>(first);
  for (size_t i = 1; i < count; ++i) argv[i] = va_arg(*args, char*);
}

// Signals a process sends itself to end (as opposed to the ones that report
// a crash: SIGSEGV, SIGABRT ... which faulthandler re-raises from inside its
// handler, where completing the trace is not safe) and whose default action
// ends it.
bool EndingRequest(int signal_number) {
  switch (signal_number) {
    case SIGINT:
    case SIGTERM:
    case SIGHUP:
    case SIGKILL:
    case SIGUSR1:
    case SIGUSR2:
    case SIGALRM:
      return true;
    default:
      return false;
  }
}

// Whether `signal_number`, sent to `pid` by this thread, ends this process
// (as CPython's exit after an uncaught KeyboardInterrupt does: SIGINT to
// itself, its handler reset to the default). Linux's kill(-1) spares the
// caller.
bool EndsThisProcess(pid_t pid, int signal_number) {
  if (pid != getpid() && pid != 0 && pid != -getpgrp()) return false;
  if (!EndingRequest(signal_number)) return false;
  if (signal_number == SIGKILL) return true;
  sigset_t blocked;
  if (pthread_sigmask(SIG_BLOCK, nullptr, &blocked) != 0 || sigismember(&blocked, signal_number)) {
    return false;
  }
  struct sigaction current;
  if (sigaction(signal_number, nullptr, &current) != 0 || (current.sa_flags & SA_SIGINFO)) {
    return false;
  }
  return current.sa_handler == SIG_DFL ||
         (g_fatal_signal_handler != nullptr && current.sa_handler == g_fatal_signal_handler);
}

// The signals whose default action the engine's handler stands in for (see
// sigaction below), and the flags the program gave that default action.
bool FlushedBeforeDefaultAction(int signal_number) {
  return signal_number == SIGINT || signal_number == SIGTERM || signal_number == SIGHUP;
}
volatile int g_default_action_flags[NSIG] = {};

void BeforeOwnSignal(pid_t pid, int signal_number) {
  if (g_before_exit != nullptr && EndsThisProcess(pid, signal_number)) g_before_exit();
}

[[noreturn]] void ExitNow(int status) {
  if (g_before_exit != nullptr) g_before_exit();
  syscall(SYS_exit_group, status);
  __builtin_unreachable();
}

}  // namespace
}  // namespace arenatrace::preload

// _exit and _Exit end the process without atexit handlers (os._exit does, and
// every multiprocessing child): interposed so that the trace is completed.
extern "C" __attribute__((visibility("default"), noreturn)) void _exit(int status) {
  arenatrace::preload::ExitNow(status);
}
extern "C" __attribute__((visibility("default"), noreturn)) void _Exit(int status) {
  arenatrace::preload::ExitNow(status);
}

// A signal that a process sends itself and that ends it (os.kill(os.getpid(),
// ...), signal.raise_signal, CPython's exit after Ctrl-C): the trace is
// completed first, as at exit.
extern "C" __attribute__((visibility("default"))) int kill(pid_t pid, int signal_number) {
  if (arenatrace::preload::g_kill == nullptr) arenatrace::preload::ResolveWrappedFunctions();
  arenatrace::preload::BeforeOwnSignal(pid, signal_number);
  return arenatrace::preload::g_kill(pid, signal_number);
}

extern "C" __attribute__((visibility("default"))) int raise(int signal_number) {
  if (arenatrace::preload::g_raise == nullptr) arenatrace::preload::ResolveWrappedFunctions();
  arenatrace::preload::BeforeOwnSignal(getpid(), signal_number);
  return arenatrace::preload::g_raise(signal_number);
}

// CPython's first sigaction call on the main thread (installing its signal
// handlers) comes after its pre-initialisation: the engine may then wrap the
// allocators that PYTHONMALLOC or development mode put in place. Other
// threads (a C library's) pass straight through.
//
// Where SIGINT, SIGTERM or SIGHUP are given their default action (CPython
// does so for SIGINT during finalisation and before it ends itself after an
// uncaught KeyboardInterrupt; a program may at any time), the engine's
// handler stands in for it: it writes out the trace, then lets the default
// action end the process. The program is shown the default action it asked
// for.
extern "C" __attribute__((visibility("default"))) int sigaction(int signal_number,
                                                                const struct sigaction* action,
                                                                struct sigaction* old_action) {
  using arenatrace::preload::g_fatal_signal_handler;
  if (arenatrace::preload::g_sigaction == nullptr) arenatrace::preload::ResolveWrappedFunctions();
  if (arenatrace::preload::g_after_python_preinit != nullptr && syscall(SYS_gettid) == getpid()) {
    const auto after_preinit = arenatrace::preload::g_after_python_preinit;
    arenatrace::preload::g_after_python_preinit = nullptr;
    after_preinit();
  }
  const bool stands_in = g_fatal_signal_handler != nullptr &&
                         arenatrace::preload::FlushedBeforeDefaultAction(signal_number);
  struct sigaction substitute;
  if (stands_in && action != nullptr && !(action->sa_flags & SA_SIGINFO) &&
      action->sa_handler == SIG_DFL) {
    substitute = *action;
    substitute.sa_handler = g_fatal_signal_handler;
    substitute.sa_flags |= SA_RESTART;  // a default action interrupts no call
    arenatrace::preload::g_default_action_flags[signal_number] = action->sa_flags;
    action = &substitute;
  }
  const int result = arenatrace::preload::g_sigaction(signal_number, action, old_action);
  if (result == 0 && stands_in && old_action != nullptr && !(old_action->sa_flags & SA_SIGINFO) &&
      old_action->sa_handler == g_fatal_signal_handler) {
    old_action->sa_handler = SIG_DFL;
    old_action->sa_flags = arenatrace::preload::g_default_action_flags[signal_number];
  }
  return result;
}

// fork: the parent's trace records the child's pid (the child records into
// its own file). exec: the trace is completed first, for the image that
// replaces this one records into a file of its own. Every public exec entry
// point is wrapped: glibc's execvp and friends call execve internally, out of
// our reach.
extern "C" __attribute__((visibility("default"))) pid_t fork() {
  if (arenatrace::preload::g_fork == nullptr) arenatrace::preload::ResolveWrappedFunctions();
  const pid_t pid = arenatrace::preload::g_fork();
  if (pid > 0 && arenatrace::preload::g_after_fork_in_parent != nullptr) {
    arenatrace::preload::g_after_fork_in_parent(pid);
  }
  return pid;
}

extern "C" __attribute__((visibility("default"))) int execve(const char* path, char* const argv[],
                                                             char* const envp[]) {
  arenatrace::preload::BeforeExec(path);
  return arenatrace::preload::AfterExec(arenatrace::preload::g_execve(path, argv, envp));
}

extern "C" __attribute__((visibility("default"))) int execv(const char* path, char* const argv[]) {
  arenatrace::preload::BeforeExec(path);
  return arenatrace::preload::AfterExec(arenatrace::preload::g_execv(path, argv));
}

extern "C" __attribute__((visibility("default"))) int execvp(const char* file, char* const argv[]) {
  arenatrace::preload::BeforeExec(file);
  return arenatrace::preload::AfterExec(arenatrace::preload::g_execvp(file, argv));
}

extern "C" __attribute__((visibility("default"))) int execvpe(const char* file, char* const argv[],
                                                              char* const envp[]) {
  arenatrace::preload::BeforeExec(file);
  return arenatrace::preload::AfterExec(arenatrace::preload::g_execvpe(file, argv, envp));
}

extern "C" __attribute__((visibility("default"))) int fexecve(int fd, char* const argv[],
                                                              char* const envp[]) {
  arenatrace::preload::BeforeExec(argv[0] != nullptr ? argv[0] : "");
  return arenatrace::preload::AfterExec(arenatrace::preload::g_fexecve(fd, argv, envp));
}

extern "C" __attribute__((visibility("default"))) int execl(const char* path, const char* arg,
                                                            ...) {
  va_list args;
  va_start(args, arg);
  const size_t count = arenatrace::preload::CountArgs(&args);
  // On this frame's stack: exec may be called in a vfork child, where
  // allocating is not allowed.
  char** const argv = static_cast<char**>(alloca(count * sizeof(char*)));
  arenatrace::preload::CollectArgs(arg, &args, argv, count);
  va_end(args);
  return execv(path, argv);
}

extern "C" __attribute__((visibility("default"))) int execlp(const char* file, const char* arg,
                                                             ...) {
  va_list args;
  va_start(args, arg);
  const size_t count = arenatrace::preload::CountArgs(&args);
  // On this frame's stack: exec may be called in a vfork child, where
  // allocating is not allowed.
  char** const argv = static_cast<char**>(alloca(count * sizeof(char*)));
  arenatrace::preload::CollectArgs(arg, &args, argv, count);
  va_end(args);
  return execvp(file, argv);
}

extern "C" __attribute__((visibility("default"))) int execle(const char* path, const char* arg,
                                                             ...) {
  va_list args;
  va_start(args, arg);
  const size_t count = arenatrace::preload::CountArgs(&args);
  // On this frame's stack: exec may be called in a vfork child, where
  // allocating is not allowed.
  char** const argv = static_cast<char**>(alloca(count * sizeof(char*)));
  arenatrace::preload::CollectArgs(arg, &args, argv, count);
  char** const envp = va_arg(args, char**);
  va_end(args);
  return execve(path, argv, envp);
}

// glibc passes (argc, argv, envp) to the constructors of preloaded libraries.
__attribute__((constructor)) static void ArenatraceDispatcherInit(int argc, char** argv, char**) {
  arenatrace::preload::ResolveWrappedFunctions();
  arenatrace::preload::Start(argc, argv);
}
