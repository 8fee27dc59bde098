// The functions CPython calls for every allocation: arenatrace's allocator
// (or the previous one) for PYMEM_DOMAIN_MEM and PYMEM_DOMAIN_OBJ, and,
// when recording, a recording wrapper around PYMEM_DOMAIN_RAW.
#ifndef ARENATRACE_PRELOAD_ENGINE_DOMAIN_HOOKS_H_
#define ARENATRACE_PRELOAD_ENGINE_DOMAIN_HOOKS_H_

#include "core/alloc/stats.h"

namespace arenatrace::preload {

struct HookChoice {
  bool serve_small_objects;  // arenatrace's allocator for MEM and OBJ; else keep the previous one
  bool record;               // record events (StartRecording succeeded)
};

// Call once, before Py_Initialize. With CPython's allocator kept and nothing
// recorded, only a pass-through OBJ hook is installed (it sets up the
// arenatrace module once the interpreter is initialised).
void InstallDomainHooks(const HookChoice& choice);

// True while CPython still calls our MEM/OBJ allocator (PYTHONMALLOC, dev
// mode or an embedder can replace it during pre-initialisation).
bool AllocatorHooksInstalled();

// True once calls have been serialised by a lock (3.12+ interpreters with
// their own GIL ran in this process).
bool AllocatorCallsSerialized();

// A consistent copy of the allocator's statistics.
alloc::AllocatorStats AllocatorStatsNow();

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_DOMAIN_HOOKS_H_
