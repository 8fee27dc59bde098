// pprof's profile.proto (google/pprof), gzipped, written with the protobuf
// library from the .proto Debian ships: four sample types, in pprof's
// heap-profile order, alloc_objects, alloc_space, inuse_objects,
// inuse_space. "alloc" is what each stack allocated in the selection;
// "inuse" the analysis's own measure (live at the peak, leaked,
// temporary ...), so that `go tool pprof` shows it by default.
#ifndef ARENATRACE_ANALYZER_RENDER_PPROF_H_
#define ARENATRACE_ANALYZER_RENDER_PPROF_H_

#include <cstdint>
#include <string>

#include "analyzer/analyses/stack_profile.h"

namespace arenatrace::analyzer {

// The gzipped bytes of the profile; false when the library fails (the
// message in `error`).
bool PprofBytes(const StackProfile& profile, uint64_t start_unix_micros, uint64_t duration_micros,
                std::string* out, std::string* error);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_PPROF_H_
