#include "preload/engine/domain_hooks.h"

#include <Python.h>
#include <pthread.h>

#include <new>

#include "core/alloc/allocator.h"
#include "core/trace/records.h"
#include "preload/cpython/object_allocator.h"
#include "preload/cpython/parallel_interpreters.h"
#include "preload/engine/python_setup.h"
#include "preload/engine/recorder.h"

namespace arenatrace::preload {
namespace {

using trace::Domain;

// Never destroyed: Python (and other exit handlers) free objects until the
// very end of the process. Reached through a constant address, not a pointer
// variable: one load less on every call.
alignas(alloc::Allocator) unsigned char g_allocator_storage[sizeof(alloc::Allocator)];
bool g_serving = false;
inline alloc::Allocator& TheAllocator() {
  return *std::launder(reinterpret_cast<alloc::Allocator*>(g_allocator_storage));
}
alloc::FallbackAllocator g_previous[trace::kNumDomains];
pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

// How deep the calling thread is in our hooks. Only the outermost call
// records: a large OBJ request that pymalloc passes on to PyMem_RawMalloc is
// one event, in the domain the program asked for.
__attribute__((tls_model("initial-exec"))) __thread int t_hook_depth = 0;

template <bool kRecord>
class HookScope {
 public:
  HookScope() : outermost_(kRecord && t_hook_depth++ == 0) {}
  ~HookScope() {
    if constexpr (kRecord) --t_hook_depth;
  }
  bool Records() const { return outermost_ && g_recording.load(std::memory_order_relaxed); }

 private:
  const bool outermost_;
};

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

// The allocation itself: arenatrace's allocator, or the previous one.
template <int kDomain, bool kServe>
struct Allocate {
  static const alloc::FallbackAllocator& Previous() { return g_previous[kDomain]; }
  static void* Malloc(size_t size) {
    if constexpr (kServe) {
      Serialized serialized;
      return TheAllocator().Malloc(size, Previous());
    } else {
      return Previous().malloc(Previous().ctx, size);
    }
  }
  static void* Calloc(size_t nelem, size_t elsize) {
    if constexpr (kServe) {
      Serialized serialized;
      return TheAllocator().Calloc(nelem, elsize, Previous());
    } else {
      return Previous().calloc(Previous().ctx, nelem, elsize);
    }
  }
  static void* Realloc(void* ptr, size_t size) {
    if constexpr (kServe) {
      Serialized serialized;
      return TheAllocator().Realloc(ptr, size, Previous());
    } else {
      return Previous().realloc(Previous().ctx, ptr, size);
    }
  }
  static void Free(void* ptr) {
    if constexpr (kServe) {
      Serialized serialized;
      TheAllocator().Free(ptr, Previous());
    } else {
      Previous().free(Previous().ctx, ptr);
    }
  }
  // Free of a non-null block whose size class was looked up (-1: not ours).
  static void FreeLookedUp(void* ptr, int size_class) {
    Serialized serialized;
    if (size_class >= 0) {
      TheAllocator().FreeOwned(ptr);
    } else {
      TheAllocator().FreeForeign(ptr, Previous());
    }
  }
};

template <int kDomain, bool kServe, bool kRecord>
void* HookMalloc(void*, size_t size) {
  HookScope<kRecord> scope;
  void* ptr = Allocate<kDomain, kServe>::Malloc(size);
  if (scope.Records()) {
    RecordAlloc(static_cast<Domain>(kDomain), ptr, size);
    if constexpr (kDomain == static_cast<int>(Domain::kObj)) SchedulePythonWorkIfPending();
  } else if constexpr (!kRecord && kDomain == static_cast<int>(Domain::kObj)) {
    SchedulePythonWorkIfPending();  // the arenatrace module, also when nothing is recorded
  }
  return ptr;
}

template <int kDomain, bool kServe, bool kRecord>
void* HookCalloc(void*, size_t nelem, size_t elsize) {
  HookScope<kRecord> scope;
  void* ptr = Allocate<kDomain, kServe>::Calloc(nelem, elsize);
  if (scope.Records()) RecordAlloc(static_cast<Domain>(kDomain), ptr, nelem * elsize);
  return ptr;
}

template <int kDomain, bool kServe, bool kRecord>
void* HookRealloc(void*, void* ptr, size_t new_size) {
  HookScope<kRecord> scope;
  if (!scope.Records()) return Allocate<kDomain, kServe>::Realloc(ptr, new_size);
  // Under the recorder's lock: no other thread can be handed the old block
  // and record it before this realloc is recorded.
  BeginRealloc(static_cast<Domain>(kDomain));
  void* moved = Allocate<kDomain, kServe>::Realloc(ptr, new_size);
  EndRealloc(static_cast<Domain>(kDomain), ptr, moved, new_size);
  return moved;
}

template <int kDomain, bool kServe, bool kRecord>
void HookFree(void*, void* ptr) {
  HookScope<kRecord> scope;
  // Recorded before the block is released, so that its next owner's
  // allocation cannot be recorded first.
  if (scope.Records() && ptr != nullptr) {
    if constexpr (kServe) {
      // One ownership lookup serves the record and the free.
      const int size_class = TheAllocator().SizeClassIfOwned(ptr);
      RecordFree(static_cast<Domain>(kDomain), ptr,
                 static_cast<uint64_t>(size_class + 1));  // 16-byte classes from 1; 0: unknown
      Allocate<kDomain, kServe>::FreeLookedUp(ptr, size_class);
      return;
    } else if constexpr (kDomain == static_cast<int>(Domain::kRaw)) {
      RecordFree(static_cast<Domain>(kDomain), ptr, 0);  // size class unknown
    } else {
      RecordFree(static_cast<Domain>(kDomain), ptr, cpython::OwnAllocatorSizeClass(ptr));
    }
  }
  Allocate<kDomain, kServe>::Free(ptr);
}

template <int kDomain, bool kServe, bool kRecord>
void Install() {
  const auto domain = static_cast<PyMemAllocatorDomain>(kDomain);
  PyMemAllocatorEx previous;
  PyMem_GetAllocator(domain, &previous);
  g_previous[kDomain] = {previous.ctx, previous.malloc, previous.calloc, previous.realloc,
                         previous.free};
  PyMemAllocatorEx hooks = {
      nullptr, &HookMalloc<kDomain, kServe, kRecord>, &HookCalloc<kDomain, kServe, kRecord>,
      &HookRealloc<kDomain, kServe, kRecord>, &HookFree<kDomain, kServe, kRecord>};
  PyMem_SetAllocator(domain, &hooks);
}

constexpr int kRaw = static_cast<int>(Domain::kRaw);
constexpr int kMem = static_cast<int>(Domain::kMem);
constexpr int kObj = static_cast<int>(Domain::kObj);

// A fork while another interpreter's thread is inside the allocator must not
// leave the child with the lock held.
void LockBeforeFork() { pthread_mutex_lock(&g_lock); }
void UnlockAfterFork() { pthread_mutex_unlock(&g_lock); }

}  // namespace

void InstallDomainHooks(const HookChoice& choice) {
  cpython::ParallelInterpreters::Init();  // the allocator and the recorder ask it
  if (choice.serve_small_objects) {
    new (g_allocator_storage) alloc::Allocator();
    g_serving = true;
    pthread_atfork(&LockBeforeFork, &UnlockAfterFork, &UnlockAfterFork);
    if (choice.record) {
      Install<kMem, true, true>();
      Install<kObj, true, true>();
    } else {
      Install<kMem, true, false>();
      Install<kObj, true, false>();
    }
  } else if (choice.record) {
    Install<kMem, false, true>();
    Install<kObj, false, true>();
  } else {
    Install<kObj, false, false>();  // only to install the arenatrace module once Python is up
  }
  if (choice.record) Install<kRaw, false, true>();
}

bool AllocatorHooksInstalled() {
  if (!g_serving) return false;
  PyMemAllocatorEx current;
  PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &current);
  return current.malloc == &HookMalloc<kObj, true, true> ||
         current.malloc == &HookMalloc<kObj, true, false>;
}

bool AllocatorCallsSerialized() { return g_serving && cpython::ParallelInterpreters::Possible(); }

alloc::AllocatorStats AllocatorStatsNow() {
  if (!g_serving) return {};
  pthread_mutex_lock(&g_lock);
  alloc::AllocatorStats stats = TheAllocator().stats();
  pthread_mutex_unlock(&g_lock);
  return stats;
}

}  // namespace arenatrace::preload
