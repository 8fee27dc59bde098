/* The only file that knows where _PyRuntime keeps its count of interpreters.
 * C, not C++: from 3.12 CPython's internal headers use C11 <stdatomic.h>,
 * which g++ cannot compile. */
#include <patchlevel.h>

#if PY_VERSION_HEX >= 0x030C0000
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_runtime.h>

const int64_t* arenatrace_interpreter_counter(void);
const int64_t* arenatrace_interpreter_counter(void) { return &_PyRuntime.interpreters.next_id; }
#endif
