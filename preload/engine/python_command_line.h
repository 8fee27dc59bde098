// What the interpreter's own command line says about allocator choice, read
// before CPython parses it (our constructor runs before `main`).
#ifndef ARENATRACE_PRELOAD_ENGINE_PYTHON_COMMAND_LINE_H_
#define ARENATRACE_PRELOAD_ENGINE_PYTHON_COMMAND_LINE_H_

namespace arenatrace::preload {

struct PythonCommandLine {
  bool ignores_environment = false;  // -E or -I: PYTHON* variables are ignored
  bool dev_mode = false;             // -X dev
};

// Scans CPython's interpreter options (those before -c, -m, the script or
// "-"); arguments meant for the program are never looked at.
PythonCommandLine ParsePythonCommandLine(int argc, char** argv);

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_PYTHON_COMMAND_LINE_H_
