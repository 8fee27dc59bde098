#include "analyzer/replay/selection.h"

#include <fnmatch.h>

namespace arenatrace::analyzer {

bool MatchesAny(const std::vector<std::string>& patterns, const std::string& file) {
  for (const std::string& pattern : patterns) {
    if (fnmatch(pattern.c_str(), file.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace arenatrace::analyzer
