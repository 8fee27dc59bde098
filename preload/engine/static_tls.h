// Where a library's thread-local variable lives, as an offset from the thread
// pointer, so that any thread reads its own copy with one %fs-relative load
// instead of a call through __tls_get_addr.
//
// That offset is the same in every thread only for libraries in the static
// TLS block (those loaded at program start, like the libpython a `python`
// executable links). The offset is found from the library's ELF symbol table
// (so the library must not be stripped) and is only trusted once a second
// thread has computed the same.
#ifndef ARENATRACE_PRELOAD_ENGINE_STATIC_TLS_H_
#define ARENATRACE_PRELOAD_ENGINE_STATIC_TLS_H_

#include <optional>

namespace arenatrace::preload {

// The offset from the calling thread's thread pointer of `symbol`, a TLS
// variable of the library containing `address_in_library`; nullopt when the
// library has no such symbol or its TLS is not allocated in this thread.
std::optional<long> ThreadLocalOffset(const void* address_in_library, const char* symbol);

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_STATIC_TLS_H_
