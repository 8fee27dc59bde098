#include "preload/engine/traced_hooks.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "preload/engine/recorder.h"
#include "preload/log.h"

namespace arenatrace::preload {
namespace {

using TrackFunction = int (*)(unsigned int, uintptr_t, size_t);
using UntrackFunction = int (*)(unsigned int, uintptr_t);

// CPython's own functions, found before their entries are rewritten (the
// engine never calls them by name: a lazily bound call of its own would
// then come back here).
TrackFunction g_track = nullptr;
UntrackFunction g_untrack = nullptr;

// CPython's function first: tracemalloc's result is the caller's (-2 when
// it is not tracing). The block is recorded after it was obtained (the
// caller allocated it before this call), its release before it is released
// (the caller frees it after Untrack): the order of events on one address
// is the order in which they happened, across threads.
int TracedTrack(unsigned int domain, uintptr_t ptr, size_t size) {
  const int result = g_track(domain, ptr, size);
  if (g_recording.load(std::memory_order_relaxed)) {
    RecordTracedAlloc(domain, reinterpret_cast<void*>(ptr), size);
  }
  return result;
}

int TracedUntrack(unsigned int domain, uintptr_t ptr) {
  if (g_recording.load(std::memory_order_relaxed)) {
    RecordTracedFree(domain, reinterpret_cast<void*>(ptr));
  }
  return g_untrack(domain, ptr);
}

// The dynamic symbol table entry of the definition at `address`, named
// `name`, and the load address of its object (the symbol's address is that
// plus st_value). Null when dladdr1 finds another symbol there.
ElfW(Sym) * DefinitionEntry(const char* name, void* address, uintptr_t* load_address) {
  Dl_info info;
  void* found = nullptr;
  const int known = dladdr1(address, &info, &found, RTLD_DL_SYMENT);
  auto* entry = static_cast<ElfW(Sym)*>(found);
  if (known == 0 || entry == nullptr || info.dli_sname == nullptr ||
      strcmp(info.dli_sname, name) != 0 || info.dli_saddr != address ||
      ELF64_ST_TYPE(entry->st_info) != STT_FUNC) {
    return nullptr;
  }
  *load_address = reinterpret_cast<uintptr_t>(address) - entry->st_value;
  return entry;
}

// The protection of the loaded segment that holds `address` (-1: none).
struct SegmentSearch {
  uintptr_t address;
  int protection = -1;
};

int FindSegment(dl_phdr_info* info, size_t, void* data) {
  auto* search = static_cast<SegmentSearch*>(data);
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_LOAD) continue;
    const uintptr_t start = info->dlpi_addr + segment.p_vaddr;
    if (search->address < start || search->address - start >= segment.p_memsz) continue;
    search->protection = ((segment.p_flags & PF_R) ? PROT_READ : 0) |
                         ((segment.p_flags & PF_W) ? PROT_WRITE : 0) |
                         ((segment.p_flags & PF_X) ? PROT_EXEC : 0);
    return 1;
  }
  return 0;
}

// Makes the symbol table entry `entry` of an object loaded at `load_address`
// resolve to `replacement`. The table is read-only: its page is made
// writable for the one store, then given back its protection.
bool Redirect(ElfW(Sym) * entry, uintptr_t load_address, void* replacement) {
  SegmentSearch search{reinterpret_cast<uintptr_t>(&entry->st_value)};
  dl_iterate_phdr(&FindSegment, &search);
  if (search.protection < 0) return false;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t first = search.address & ~(page - 1);
  const uintptr_t end = (search.address + sizeof entry->st_value + page - 1) & ~(page - 1);
  void* pages = reinterpret_cast<void*>(first);
  const bool writable = search.protection & PROT_WRITE;
  if (!writable && mprotect(pages, end - first, search.protection | PROT_WRITE) != 0) return false;
  // Unsigned arithmetic: the replacement may lie below the object.
  const ElfW(Addr) value = reinterpret_cast<uintptr_t>(replacement) - load_address;
  __atomic_store_n(&entry->st_value, value, __ATOMIC_RELEASE);
  if (!writable) mprotect(pages, end - first, search.protection);
  return true;
}

}  // namespace

bool InstallTracedHooks() {
  void* track = dlsym(RTLD_DEFAULT, "PyTraceMalloc_Track");
  void* untrack = dlsym(RTLD_DEFAULT, "PyTraceMalloc_Untrack");
  if (track == nullptr || untrack == nullptr) return false;
  uintptr_t track_base = 0, untrack_base = 0;
  ElfW(Sym)* track_entry = DefinitionEntry("PyTraceMalloc_Track", track, &track_base);
  ElfW(Sym)* untrack_entry = DefinitionEntry("PyTraceMalloc_Untrack", untrack, &untrack_base);
  if (track_entry == nullptr || untrack_entry == nullptr) {
    Log("PyTraceMalloc_Track's definition was not found in a symbol table: blocks extensions "
        "report with it (numpy's arrays) are not recorded");
    return false;
  }
  g_track = reinterpret_cast<TrackFunction>(track);
  g_untrack = reinterpret_cast<UntrackFunction>(untrack);
  // Untrack first: a Track recorded must be able to end.
  if (!Redirect(untrack_entry, untrack_base, reinterpret_cast<void*>(&TracedUntrack)) ||
      !Redirect(track_entry, track_base, reinterpret_cast<void*>(&TracedTrack))) {
    Log("PyTraceMalloc_Track could not be redirected: blocks extensions report with it "
        "(numpy's arrays) are not recorded");
    return false;
  }
  return true;
}

}  // namespace arenatrace::preload
