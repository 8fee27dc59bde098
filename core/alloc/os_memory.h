// Where the allocator's memory comes from: every operating-system call the
// allocator makes goes through these few functions.
#ifndef ARENATRACE_CORE_ALLOC_OS_MEMORY_H_
#define ARENATRACE_CORE_ALLOC_OS_MEMORY_H_

#include <cstddef>

namespace arenatrace::alloc::os {

// Maps `size` bytes of zeroed, read-write memory aligned to `alignment` (a
// power of two, a multiple of the page size). Returns nullptr when the system
// refuses. The pages cost nothing resident until they are touched.
void* MapAligned(size_t size, size_t alignment);

void Unmap(void* address, size_t size);

// Gives the pages back to the OS while keeping the mapping: resident memory
// falls at once, and the next touch sees zero-filled pages.
void Purge(void* address, size_t size);

}  // namespace arenatrace::alloc::os

#endif  // ARENATRACE_CORE_ALLOC_OS_MEMORY_H_
