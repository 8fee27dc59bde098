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
  if (const char* output = getenv("ARENATRACE_OUTPUT"); output != nullptr && *output != '\0') {
    snprintf(options.output_path, sizeof options.output_path, "%s", output);
  }
  if (const char* root = getenv("ARENATRACE_ROOT_PID"); root != nullptr) {
    options.root_pid = strtol(root, nullptr, 10);
  }
  if (const char* depth = getenv("ARENATRACE_MAX_DEPTH"); depth != nullptr && *depth != '\0') {
    char* end = nullptr;
    const long value = strtol(depth, &end, 10);
    if (*end != '\0' || value < 0) {
      Log("ARENATRACE_MAX_DEPTH=%s is not a number of frames; keeping every frame", depth);
    } else {
      options.max_depth = static_cast<unsigned>(value);
    }
  }
  return options;
}

}  // namespace arenatrace::preload
