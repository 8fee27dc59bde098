// What the commands that read a snapshot of the object graph share (graph,
// export --format heapsnapshot): the --snapshot option, and replaying the
// chosen process of a run to the snapshot asked for.
#ifndef ARENATRACE_ANALYZER_CLI_SNAPSHOT_LOADING_H_
#define ARENATRACE_ANALYZER_CLI_SNAPSHOT_LOADING_H_

#include <memory>
#include <optional>
#include <string>

#include "analyzer/cli/common.h"
#include "analyzer/graph/snapshot_graph.h"

namespace arenatrace::cli {

struct LoadedSnapshot {
  LoadedRun loaded;
  size_t index = 0;  // the process, in loaded.run.traces
  std::unique_ptr<analyzer::graph::SnapshotGraphBuilder> builder;
  ProcessReplay replay;
  const analyzer::graph::SnapshotGraph& snapshot() const { return *builder->result(); }
  const analyzer::ReplayState& state() const { return replay.replay->state(); }
};

// Adds --snapshot N (from 1; default: the last whole snapshot).
void AddSnapshotOption(CLI::App& app, std::string* snapshot);

// Replays the first selected process (the root, or --pid's) up to the
// snapshot asked for. Returns -1 to go on, else the exit status, the reason
// said in one line (a trace without snapshots is a usage error).
int LoadSnapshot(const CLI::App& app, const CommonOptions& options, const std::string& snapshot,
                 LoadedSnapshot* out);

}  // namespace arenatrace::cli

#endif  // ARENATRACE_ANALYZER_CLI_SNAPSHOT_LOADING_H_
