#include "preload/engine/options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "preload/log.h"

namespace arenatrace::preload {

EngineOptions ReadEngineOptions() {
  EngineOptions options;
  if (const char* allocator = getenv("ARENATRACE_ALLOCATOR"); allocator != nullptr) {
    if (strcmp(allocator, "pymalloc") == 0) {
      options.allocator = AllocatorChoice::kPymalloc;
    } else if (strcmp(allocator, "arenatrace") != 0 && *allocator != '\0') {
      Log("ARENATRACE_ALLOCATOR=%s is not one of arenatrace, pymalloc; using arenatrace",
          allocator);
    }
  }
  if (const char* stats = getenv("ARENATRACE_STATS"); stats != nullptr) {
    options.stats_to_stderr = *stats != '\0' && strcmp(stats, "0") != 0;
  }
  if (const char* path = getenv("ARENATRACE_STATS_JSON"); path != nullptr && *path != '\0') {
    // Copied: the program may rewrite its environment before we read it back at exit.
    snprintf(options.stats_json_path, sizeof options.stats_json_path, "%s", path);
  }
  return options;
}

}  // namespace arenatrace::preload
