// PyTraceMalloc_Track and PyTraceMalloc_Untrack, the C API through which
// extensions report memory they allocate themselves (numpy: its arrays'
// data, allocated with malloc): recorded as blocks of trace::Domain::kTraced,
// then passed on to CPython's functions, so that tracemalloc, when it runs,
// still sees them.
//
// The mechanism: the definition's entry in the dynamic symbol table of the
// object that defines it (libpython, or the python executable itself when
// it is static, as Debian's python3.11 is) is rewritten to point at our
// function. The dynamic linker computes a symbol's address from that entry
// (load address + st_value) for every binding it makes after that moment —
// every extension module loaded later, lazily bound PLT slots, dlsym (ctypes)
// — so that no dlopen or dlsym needs to be intercepted. The engine starts in
// the dispatcher's constructor, before main: the only objects loaded then
// are the interpreter and system libraries, none of which calls these
// functions through a binding already made. See docs/DESIGN.md.
#ifndef ARENATRACE_PRELOAD_ENGINE_TRACED_HOOKS_H_
#define ARENATRACE_PRELOAD_ENGINE_TRACED_HOOKS_H_

namespace arenatrace::preload {

// Once recording has started. Returns false (and changes nothing) when the
// definitions cannot be found or rewritten; the program runs on, and its
// traced blocks are not recorded.
bool InstallTracedHooks();

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_TRACED_HOOKS_H_
