// Whether arenatrace's allocator may replace CPython's for PYMEM_DOMAIN_MEM
// and PYMEM_DOMAIN_OBJ, and the name of CPython's own.
//
// The free-threaded build (3.13t+) cannot do without mimalloc: its garbage
// collector finds objects by walking mimalloc's heaps
// (Python/gc_free_threading.c), and _PyObject_MallocWithType picks the heap
// for each object's type before calling PyObject_Malloc. Objects served from
// elsewhere would be invisible to the collector. A wrapper that passes every
// call on to mimalloc keeps all of that, so recording works there; serving
// does not.
#ifndef ARENATRACE_PRELOAD_CPYTHON_OBJECT_ALLOCATOR_H_
#define ARENATRACE_PRELOAD_CPYTHON_OBJECT_ALLOCATOR_H_

#include <Python.h>

namespace arenatrace::preload::cpython {

#if defined(Py_GIL_DISABLED)
inline constexpr bool kCanReplaceObjectAllocator = false;
inline constexpr char kOwnObjectAllocator[] = "mimalloc";
#else
inline constexpr bool kCanReplaceObjectAllocator = true;
inline constexpr char kOwnObjectAllocator[] = "pymalloc";
#endif

}  // namespace arenatrace::preload::cpython

#endif  // ARENATRACE_PRELOAD_CPYTHON_OBJECT_ALLOCATOR_H_
