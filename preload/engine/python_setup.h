// Python-level set-up of a recording process: gc callbacks, the moment
// finalisation starts, and the `arenatrace` module. Python code must never
// run inside an allocator hook, so the hook only schedules it, once the
// interpreter is initialised, with Py_AddPendingCall: it then runs on the
// main thread at a bytecode boundary (during `import site`, before __main__).
#ifndef ARENATRACE_PRELOAD_ENGINE_PYTHON_SETUP_H_
#define ARENATRACE_PRELOAD_ENGINE_PYTHON_SETUP_H_

namespace arenatrace::preload {

// Cheap after the first success; called by the OBJ hook with the GIL held.
void ScheduleRecordingSetup();

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_PYTHON_SETUP_H_
