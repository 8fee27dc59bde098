// Python-level set-up of a process arenatrace runs in: the `arenatrace`
// module (always), and when recording, gc callbacks, the moment finalisation
// starts and thread names. Python code must never run inside an allocator
// hook, so the hook only schedules it, once the interpreter is initialised,
// with Py_AddPendingCall: it then runs on the main thread at a bytecode
// boundary (during `import site`, before __main__).
#ifndef ARENATRACE_PRELOAD_ENGINE_PYTHON_SETUP_H_
#define ARENATRACE_PRELOAD_ENGINE_PYTHON_SETUP_H_

#include <atomic>

namespace arenatrace::preload {

// True while something waits for a pending call: the set-up (until it is
// scheduled), or reading new threads' names.
extern std::atomic<bool> g_python_work_pending;
void SchedulePythonWork();

// Called by the OBJ malloc hook, with the GIL held: one load when there is
// nothing to do.
inline void SchedulePythonWorkIfPending() {
  if (__builtin_expect(g_python_work_pending.load(std::memory_order_relaxed), 0)) {
    SchedulePythonWork();
  }
}

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_PYTHON_SETUP_H_
