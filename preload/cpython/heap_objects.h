// What a heap snapshot needs to know of an object beyond the public API:
// where its memory block starts, its size, whether the collector tracks it,
// its instance attributes without a dict, and the buffers it owns.
// Implemented per CPython version in heap_objects.c, the only file that
// knows these layouts. Every function reads, none allocates or runs Python
// code: a snapshot must not change the heap it describes.
#ifndef ARENATRACE_PRELOAD_CPYTHON_HEAP_OBJECTS_H_
#define ARENATRACE_PRELOAD_CPYTHON_HEAP_OBJECTS_H_

#include <Python.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Whether snapshots can be taken in this CPython: not on the free-threaded
// build, where other threads change the heap while one reads it.
int arenatrace_snapshots_supported(void);

// Bytes from the start of the object's memory block to the object: its GC
// header and, from 3.11, the pre-header of managed dicts and weak references.
size_t arenatrace_object_block_offset(PyObject* object);

// The object's own bytes as sys.getsizeof counts them, without the GC header
// and without the buffers it owns.
size_t arenatrace_object_size(PyObject* object);

int arenatrace_object_is_tracked(PyObject* object);
// 3.12+: an immortal object, whose reference count means nothing.
int arenatrace_object_is_immortal(PyObject* object);

// The instance's __dict__ if it has one already (NULL otherwise): never
// created by asking, as PyObject_GenericGetDict would.
PyObject* arenatrace_existing_instance_dict(PyObject* object);

typedef void (*ArenatraceNamedVisit)(void* context, PyObject* name, PyObject* value);

// 3.11+: the attributes an instance keeps in its own inline values while it
// has no __dict__, with their names from the class's shared keys.
void arenatrace_for_each_inline_attribute(PyObject* object, ArenatraceNamedVisit visit,
                                          void* context);

typedef void (*ArenatraceBufferVisit)(void* context, const void* block);

// The memory blocks the object owns apart from its own (a list's item
// array, a combined dict's table, a set's table, a bytearray's bytes).
void arenatrace_for_each_owned_buffer(PyObject* object, ArenatraceBufferVisit visit, void* context);

// The native thread id of a thread state (0 when CPython does not say:
// before 3.11, for threads other than the caller).
unsigned long arenatrace_thread_native_id(PyThreadState* tstate);

#ifdef __cplusplus
}
#endif

#endif  // ARENATRACE_PRELOAD_CPYTHON_HEAP_OBJECTS_H_
