// What the commands that read a snapshot of the object graph share (graph,
// export --format heapsnapshot): the --snapshot option, and replaying the
// chosen process of a run to the snapshot asked for.
#ifndef ARENATRACE_ANALYZER_CLI_SNAPSHOT_LOADING_H_
#define ARENATRACE_ANALYZER_CLI_SNAPSHOT_LOADING_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/cli/common.h"
#include "analyzer/graph/snapshot_graph.h"

namespace arenatrace::cli {

struct LoadedSnapshot {
  LoadedRun loaded;
  size_t index = 0;  // the process, in loaded.run.traces
  std::vector<std::unique_ptr<analyzer::graph::SnapshotGraphBuilder>> builders;  // as asked
  ProcessReplay replay;
  const analyzer::graph::SnapshotGraph& snapshot(size_t i = 0) const {
    return *builders[i]->result();
  }
  size_t snapshots_in_trace() const { return builders[0]->snapshots_seen(); }
  const analyzer::ReplayState& state() const { return replay.replay->state(); }
};

// Why a trace has no snapshot to read, for the one line saying so.
extern const char kNoSnapshotReason[];

// Adds --snapshot N (from 1; default: the last whole snapshot).
void AddSnapshotOption(CLI::App& app, std::string* snapshot);

// Replays the first selected process (the root, or --pid's) up to the
// snapshot asked for. Returns -1 to go on, else the exit status, the reason
// said in one line (a trace without snapshots is a usage error).
// --snapshot's value as an index (from 0; nullopt: none given). False when
// it is not a number from 1 (said).
bool ParseSnapshotOption(const std::string& command, const std::string& snapshot,
                         std::optional<size_t>* wanted);

int LoadSnapshot(const CLI::App& app, const CommonOptions& options, const std::string& snapshot,
                 LoadedSnapshot* out);
// The same for several snapshots of the process in one replay (each an
// index from 0, nullopt: the last whole one).
int LoadSnapshots(const CLI::App& app, const CommonOptions& options,
                  const std::vector<std::optional<size_t>>& wanted, LoadedSnapshot* out);

}  // namespace arenatrace::cli

#endif  // ARENATRACE_ANALYZER_CLI_SNAPSHOT_LOADING_H_
