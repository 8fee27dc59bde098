// A fallback allocator over libc malloc that remembers what it handed out, so
// tests can tell which allocator served or received a pointer.
#ifndef ARENATRACE_TESTS_CORE_ALLOC_SYSTEM_FALLBACK_H_
#define ARENATRACE_TESTS_CORE_ALLOC_SYSTEM_FALLBACK_H_

#include <cstdlib>
#include <set>

#include "core/alloc/fallback_allocator.h"

namespace arenatrace::alloc::testing {

class SystemFallback {
 public:
  SystemFallback()
      : allocator_{this, &SystemFallback::Malloc, &SystemFallback::Calloc, &SystemFallback::Realloc,
                   &SystemFallback::Free} {}
  const FallbackAllocator& allocator() const { return allocator_; }
  bool Holds(void* ptr) const { return live_.count(ptr) != 0; }
  size_t live() const { return live_.size(); }
  int frees = 0;

 private:
  static SystemFallback* Self(void* ctx) { return static_cast<SystemFallback*>(ctx); }
  static void* Malloc(void* ctx, size_t size) {
    void* p = std::malloc(size == 0 ? 1 : size);
    Self(ctx)->live_.insert(p);
    return p;
  }
  static void* Calloc(void* ctx, size_t nelem, size_t elsize) {
    void* p = std::calloc(nelem == 0 ? 1 : nelem, elsize == 0 ? 1 : elsize);
    Self(ctx)->live_.insert(p);
    return p;
  }
  static void* Realloc(void* ctx, void* ptr, size_t size) {
    if (ptr != nullptr) Self(ctx)->live_.erase(ptr);
    void* p = std::realloc(ptr, size == 0 ? 1 : size);
    Self(ctx)->live_.insert(p);
    return p;
  }
  static void Free(void* ctx, void* ptr) {
    Self(ctx)->live_.erase(ptr);
    ++Self(ctx)->frees;
    std::free(ptr);
  }

  FallbackAllocator allocator_;
  std::set<void*> live_;
};

}  // namespace arenatrace::alloc::testing

#endif  // ARENATRACE_TESTS_CORE_ALLOC_SYSTEM_FALLBACK_H_
