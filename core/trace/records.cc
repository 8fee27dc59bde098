#include "core/trace/records.h"

namespace arenatrace::trace {

const char* DomainName(Domain domain) {
  switch (domain) {
    case Domain::kRaw:
      return "raw";
    case Domain::kMem:
      return "mem";
    case Domain::kObj:
      return "obj";
    case Domain::kTraced:
      return "traced";
  }
  return "?";
}

const char* TracedDomainOwner(uint64_t traced_domain) {
  return traced_domain == kNumpyTracedDomain ? "numpy" : nullptr;
}

}  // namespace arenatrace::trace
