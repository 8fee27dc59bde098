// A run: the tree of traces one `arenatrace run` wrote. The root trace is
// the file the user names; every other Python process of the run (fork
// children, subprocesses, images that exec replaced a process with) wrote
// <root>.<pid> or <root>.<pid>.<n> beside it. A trace's parent is the
// latest earlier trace of the same pid (it exec'd into it) or else of its
// parent pid; traces that do not connect to the root, or started before it
// (an earlier run's), are not part of the run.
#ifndef ARENATRACE_ANALYZER_MODEL_RUN_H_
#define ARENATRACE_ANALYZER_MODEL_RUN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/trace/records.h"

namespace arenatrace::analyzer {

struct TraceFile {
  std::string path;
  trace::Header header;
  int parent = -1;          // index in Run::traces; -1 for the root
  bool exec_image = false;  // replaced its parent (same pid) by exec
  std::vector<int> children;
  uint32_t depth = 0;
};

struct Run {
  std::vector<TraceFile> traces;  // the root first, then depth first
  // One line each: child traces that could not be read, traces of an
  // earlier run that were left out.
  std::vector<std::string> warnings;
};

// Finds the run rooted at `root_path`. False, with `error` (one line), when
// the root itself cannot be read as a trace.
bool FindRun(const std::string& root_path, Run* run, std::string* error);

// "pid 4242 (python3 app.py)", printable.
std::string ProcessLabel(const TraceFile& trace);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_MODEL_RUN_H_
