// Whether asking CPython for a pending call now would print an error into
// the program's output (pending_calls.c: 3.8 during finalisation).
#ifndef ARENATRACE_PRELOAD_CPYTHON_PENDING_CALLS_H_
#define ARENATRACE_PRELOAD_CPYTHON_PENDING_CALLS_H_

extern "C" int arenatrace_pending_calls_refused_loudly(void);

#endif  // ARENATRACE_PRELOAD_CPYTHON_PENDING_CALLS_H_
