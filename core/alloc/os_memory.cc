#include "core/alloc/os_memory.h"

#include <sys/mman.h>

#include <cstdint>

namespace arenatrace::alloc::os {

void* MapAligned(size_t size, size_t alignment) {
  // Over-map by `alignment` and trim both ends: mmap has no alignment argument.
  const size_t padded = size + alignment;
  void* raw = mmap(nullptr, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + alignment - 1) & ~(uintptr_t{alignment} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + padded;
  if (end > aligned + size) munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
  return reinterpret_cast<void*>(aligned);
}

void Unmap(void* address, size_t size) { munmap(address, size); }

void Purge(void* address, size_t size) { madvise(address, size, MADV_DONTNEED); }

}  // namespace arenatrace::alloc::os
