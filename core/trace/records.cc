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
  }
  return "?";
}

}  // namespace arenatrace::trace
