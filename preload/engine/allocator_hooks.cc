#include "preload/engine/allocator_hooks.h"

#include <Python.h>
#include <pthread.h>

#include <new>

#include "core/alloc/allocator.h"
#include "preload/cpython/parallel_interpreters.h"

namespace arenatrace::preload {
namespace {

enum DomainIndex { kMem = 0, kObj = 1 };

// Never destroyed: Python (and other exit handlers) free objects until the
// very end of the process. Reached through a constant address, not a pointer
// variable: one load less on every call.
alignas(alloc::Allocator) unsigned char g_allocator_storage[sizeof(alloc::Allocator)];
bool g_installed = false;
inline alloc::Allocator& TheAllocator() {
  return *std::launder(reinterpret_cast<alloc::Allocator*>(g_allocator_storage));
}
alloc::FallbackAllocator g_previous[2];
pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

// Holds the lock only when interpreters with their own GIL may call us in
// parallel (3.12+); compiles to nothing for 3.8-3.11.
class Serialized {
 public:
  Serialized() : locked_(cpython::ParallelInterpreters::Possible()) {
    if (locked_) pthread_mutex_lock(&g_lock);
  }
  ~Serialized() {
    if (locked_) pthread_mutex_unlock(&g_lock);
  }

 private:
  const bool locked_;
};

template <int kDomain>
void* HookMalloc(void*, size_t size) {
  Serialized serialized;
  return TheAllocator().Malloc(size, g_previous[kDomain]);
}

template <int kDomain>
void* HookCalloc(void*, size_t nelem, size_t elsize) {
  Serialized serialized;
  return TheAllocator().Calloc(nelem, elsize, g_previous[kDomain]);
}

template <int kDomain>
void* HookRealloc(void*, void* ptr, size_t new_size) {
  Serialized serialized;
  return TheAllocator().Realloc(ptr, new_size, g_previous[kDomain]);
}

template <int kDomain>
void HookFree(void*, void* ptr) {
  Serialized serialized;
  TheAllocator().Free(ptr, g_previous[kDomain]);
}

alloc::FallbackAllocator ToFallback(const PyMemAllocatorEx& allocator) {
  return {allocator.ctx, allocator.malloc, allocator.calloc, allocator.realloc, allocator.free};
}

template <int kDomain>
void Install(PyMemAllocatorDomain domain) {
  PyMemAllocatorEx previous;
  PyMem_GetAllocator(domain, &previous);
  g_previous[kDomain] = ToFallback(previous);
  PyMemAllocatorEx hooks = {nullptr, &HookMalloc<kDomain>, &HookCalloc<kDomain>,
                            &HookRealloc<kDomain>, &HookFree<kDomain>};
  PyMem_SetAllocator(domain, &hooks);
}

// A fork while another interpreter's thread is inside the allocator must not
// leave the child with the lock held.
void LockBeforeFork() { pthread_mutex_lock(&g_lock); }
void UnlockAfterFork() { pthread_mutex_unlock(&g_lock); }

}  // namespace

void InstallAllocatorHooks() {
  new (g_allocator_storage) alloc::Allocator();
  g_installed = true;
  cpython::ParallelInterpreters::Init();
  pthread_atfork(&LockBeforeFork, &UnlockAfterFork, &UnlockAfterFork);
  Install<kMem>(PYMEM_DOMAIN_MEM);
  Install<kObj>(PYMEM_DOMAIN_OBJ);
}

bool AllocatorHooksInstalled() {
  if (!g_installed) return false;
  PyMemAllocatorEx current;
  PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &current);
  return current.malloc == &HookMalloc<kObj>;
}

bool AllocatorCallsSerialized() { return g_installed && cpython::ParallelInterpreters::Possible(); }

alloc::AllocatorStats AllocatorStatsNow() {
  if (!g_installed) return {};
  pthread_mutex_lock(&g_lock);
  alloc::AllocatorStats stats = TheAllocator().stats();
  pthread_mutex_unlock(&g_lock);
  return stats;
}

}  // namespace arenatrace::preload
