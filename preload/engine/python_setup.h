// Python-level set-up of a process arenatrace runs in: the `arenatrace`
// module (always), and when recording, gc callbacks, the moment finalisation
// starts and thread names. Python code must never run inside an allocator
// hook, so the hook only schedules it, once the interpreter is initialised,
// with Py_AddPendingCall: it then runs on the main thread at a bytecode
// boundary (during `import site`, before __main__).
#ifndef ARENATRACE_PRELOAD_ENGINE_PYTHON_SETUP_H_
#define ARENATRACE_PRELOAD_ENGINE_PYTHON_SETUP_H_

namespace arenatrace::preload {

extern bool g_python_setup_scheduled;
void SchedulePythonSetupOnce();

// Cheap after the first success; called by the OBJ hook with the GIL held.
inline void SchedulePythonSetup() {
  if (__builtin_expect(!g_python_setup_scheduled, 0)) SchedulePythonSetupOnce();
}

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_PYTHON_SETUP_H_
