/* The only file that knows when CPython refuses pending calls with a
 * printed error. 3.8's Py_AddPendingCall, once Py_FinalizeEx has made the
 * last pending calls (before the atexit handlers run), sets SystemError
 * "cannot add pending calls (Python shutting down)" and prints it: asking
 * then would change the program's output. 3.9 and later return -1 quietly.
 * C, not C++, like the other files that read CPython's internal headers. */
#include <patchlevel.h>

int arenatrace_pending_calls_refused_loudly(void);

#if PY_VERSION_HEX < 0x03090000
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_pystate.h>

int arenatrace_pending_calls_refused_loudly(void) { return _PyRuntime.ceval.pending.finishing; }
#else
int arenatrace_pending_calls_refused_loudly(void) { return 0; }
#endif
