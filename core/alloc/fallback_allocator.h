// The allocator that was installed before ours: it receives the requests we do
// not serve (large ones) and every pointer we do not own. Same shape as
// CPython's PyMemAllocatorEx, without depending on Python.
#ifndef ARENATRACE_CORE_ALLOC_FALLBACK_ALLOCATOR_H_
#define ARENATRACE_CORE_ALLOC_FALLBACK_ALLOCATOR_H_

#include <cstddef>

namespace arenatrace::alloc {

struct FallbackAllocator {
  void* ctx;
  void* (*malloc)(void* ctx, size_t size);
  void* (*calloc)(void* ctx, size_t nelem, size_t elsize);
  void* (*realloc)(void* ctx, void* ptr, size_t new_size);
  void (*free)(void* ctx, void* ptr);
};

}  // namespace arenatrace::alloc

#endif  // ARENATRACE_CORE_ALLOC_FALLBACK_ALLOCATOR_H_
