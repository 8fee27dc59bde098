// arenatrace's allocator installed as CPython's MEM and OBJ allocator.
#ifndef ARENATRACE_PRELOAD_ENGINE_ALLOCATOR_HOOKS_H_
#define ARENATRACE_PRELOAD_ENGINE_ALLOCATOR_HOOKS_H_

#include "core/alloc/stats.h"

namespace arenatrace::preload {

// Installs the hooks for PYMEM_DOMAIN_MEM and PYMEM_DOMAIN_OBJ, keeping the
// allocators installed before as the fallback for large requests and foreign
// pointers. PYMEM_DOMAIN_RAW is left alone. Call once, before Py_Initialize.
void InstallAllocatorHooks();

// True while CPython still calls our hooks (PYTHONMALLOC, dev mode or an
// embedder can replace them during pre-initialisation).
bool AllocatorHooksInstalled();

// True once calls have been serialised by a lock (3.12+ interpreters with
// their own GIL ran in this process).
bool AllocatorCallsSerialized();

// A consistent copy of the allocator's statistics.
alloc::AllocatorStats AllocatorStatsNow();

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_ALLOCATOR_HOOKS_H_
