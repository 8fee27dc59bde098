// The chunk checksum: XXH3-64 (xxHash), used in its header-only form so that
// the preload links nothing more for it.
#ifndef ARENATRACE_CORE_TRACE_CHECKSUM_H_
#define ARENATRACE_CORE_TRACE_CHECKSUM_H_

#include <cstddef>
#include <cstdint>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace arenatrace::trace {

inline uint64_t Checksum(const void* data, size_t size) { return XXH3_64bits(data, size); }

}  // namespace arenatrace::trace

#endif  // ARENATRACE_CORE_TRACE_CHECKSUM_H_
