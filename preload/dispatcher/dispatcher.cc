// libarenatrace.so: the library users preload. It is version-agnostic and
// tiny. In a process that is not a Python interpreter (a shell, env, a
// compiler run by a build) it does nothing at all, silently, and leaves
// LD_PRELOAD for the children. In a CPython it loads the engine built for that
// minor version, found next to itself, and starts it before `main`.
#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "preload/engine_abi.h"
#include "preload/log.h"

namespace arenatrace::preload {
namespace {

ArenatraceEngineBeforeExit g_before_exit = nullptr;

// "3.11.7 (main, ...)" -> 3, 11; false when it does not look like a version.
bool ParseVersion(const char* version, int* major, int* minor) {
  return sscanf(version, "%d.%d", major, minor) == 2;
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

  char path[4096];
  if (!OwnDirectory(path, sizeof path)) return;
  const size_t dir_length = strlen(path);
  snprintf(path + dir_length, sizeof path - dir_length, "libarenatrace-cp%d%d.so", major, minor);
  if (access(path, R_OK) != 0) {
    Log("no engine for Python %d.%d (%s was not built: arenatrace builds one per CPython "
        "found at build time); this process runs untraced",
        major, minor, path);
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
  }
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

// glibc passes (argc, argv, envp) to the constructors of preloaded libraries.
__attribute__((constructor)) static void ArenatraceDispatcherInit(int argc, char** argv, char**) {
  arenatrace::preload::Start(argc, argv);
}
