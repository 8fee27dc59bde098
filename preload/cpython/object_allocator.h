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

#include <cstdint>

namespace arenatrace::preload::cpython {

// OwnAllocatorSizeClass: the 16-byte size class (1-32) of a live MEM or OBJ
// block of CPython's own allocator, 0 when not known or past 512 bytes. A
// free record carries it so that the trace keeps the frees of each class in
// an address stream of their own (docs/TRACE_FORMAT.md): mimalloc's addresses
// vary too much across classes to compress well together. pymalloc's pool
// headers are not for us to read: 0.
#if defined(Py_GIL_DISABLED)
inline constexpr bool kCanReplaceObjectAllocator = false;
inline constexpr char kOwnObjectAllocator[] = "mimalloc";
extern "C" unsigned arenatrace_mimalloc_size_class(const void* block);  // mimalloc_blocks.c
inline uint64_t OwnAllocatorSizeClass(const void* block) {
  return arenatrace_mimalloc_size_class(block);
}
#else
inline constexpr bool kCanReplaceObjectAllocator = true;
inline constexpr char kOwnObjectAllocator[] = "pymalloc";
inline constexpr uint64_t OwnAllocatorSizeClass(const void*) { return 0; }
#endif

}  // namespace arenatrace::preload::cpython

#endif  // ARENATRACE_PRELOAD_CPYTHON_OBJECT_ALLOCATOR_H_
