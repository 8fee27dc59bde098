// The current Python stack, read straight from the interpreter's frames:
// nothing is allocated, no Python code runs, so it is safe inside an
// allocator hook. Implemented per CPython version in python_frames.c, the only
// file that knows the frame layouts.
#ifndef ARENATRACE_PRELOAD_CPYTHON_PYTHON_FRAMES_H_
#define ARENATRACE_PRELOAD_CPYTHON_PYTHON_FRAMES_H_

#include <Python.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  PyCodeObject* code;
  int offset;  // bytes from the start of the code's instructions
} ArenatraceRawFrame;

// The calling thread's state if it holds the GIL (so its frames are stable),
// else NULL.
PyThreadState* arenatrace_attached_thread_state(void);

// The thread-local variable that holds the attached thread state in this
// CPython (NULL when it is not thread-local), and, once its offset from the
// thread pointer is known to be the same in every thread, that offset: the
// function above then reads it directly.
const char* arenatrace_thread_state_tls_symbol(void);
void arenatrace_use_thread_state_tls_offset(long offset);

// Writes up to `capacity` frames of `tstate`, innermost first, skipping
// incomplete and shim frames. Returns how many were written, or capacity + 1
// when the stack has more (the walk stops there: deep stacks cost no more
// than the capacity).
int arenatrace_walk_frames(PyThreadState* tstate, ArenatraceRawFrame* out, int capacity);

// The line of `offset` in `code` (PyCode_Addr2Line, which does not allocate).
int arenatrace_code_line(PyCodeObject* code, int offset);

// The code object's qualified name (its name before 3.11), file and first
// line, as UTF-8 copied into the buffers (truncated to fit, NUL-terminated),
// without allocating.
void arenatrace_code_identity(PyCodeObject* code, char* name, size_t name_size, char* file,
                              size_t file_size, int* first_line);

typedef void (*ArenatraceLocalVisit)(void* context, PyCodeObject* code, PyObject* name,
                                     PyObject* value);

// Every local variable that holds a value (fast locals, cells, free
// variables) of every complete frame of `tstate`, innermost frame first.
// The thread must not run meanwhile (the caller holds the GIL).
void arenatrace_for_each_frame_local(PyThreadState* tstate, ArenatraceLocalVisit visit,
                                     void* context);

// Whether `object` is a generator, coroutine or async generator (and,
// before 3.11, a frame object): what the next two functions read.
int arenatrace_holds_frame_locals(PyObject* object);
// The locals `object` holds, when it holds a frame's: a generator,
// coroutine or async generator from 3.11 (its frame lives inside it), a
// frame object before 3.11 (then a generator holds its frame object:
// arenatrace_generator_frame gives it). Nothing for other objects, or a
// generator that has finished.
void arenatrace_for_each_held_local(PyObject* object, ArenatraceLocalVisit visit, void* context);
// Before 3.11, a generator's, coroutine's or async generator's frame
// object; NULL otherwise (and from 3.11, where there is none to name).
PyObject* arenatrace_generator_frame(PyObject* object);

// A str object's text as UTF-8, copied into `out` (truncated to fit,
// NUL-terminated), without allocating; "" for anything else.
void arenatrace_copy_utf8(PyObject* text, char* out, size_t size);

// The code object in `block`, a block of the OBJ domain being freed, or NULL
// when it holds none. `size_class` is the block's 16-byte size class (from 1;
// 0 when not known), so that a block too small to hold an object header is
// not read past its end. Reads the block's type only: at its free, a code
// object's header is still intact (its dealloc frees it last).
PyCodeObject* arenatrace_freed_code_object(void* block, uint64_t size_class);

#ifdef __cplusplus
}
#endif

#endif  // ARENATRACE_PRELOAD_CPYTHON_PYTHON_FRAMES_H_
