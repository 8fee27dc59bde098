// `arenatrace diff --snapshots`: two snapshots of the object graph compared
// (graph/snapshot_diff.h), from one trace or two.
#ifndef ARENATRACE_ANALYZER_CLI_DIFF_SNAPSHOTS_H_
#define ARENATRACE_ANALYZER_CLI_DIFF_SNAPSHOTS_H_

#include <string>

#include "analyzer/cli/common.h"

namespace arenatrace::cli {

// `a` and `b` name the traces (the same one: its snapshots `a_snapshot`,
// default the first, and `b_snapshot`, default the last); each "" or a
// number from 1. Returns the exit status.
int DiffSnapshots(const CLI::App& app, const CommonOptions& a, const CommonOptions& b,
                  const std::string& a_snapshot, const std::string& b_snapshot);

}  // namespace arenatrace::cli

#endif  // ARENATRACE_ANALYZER_CLI_DIFF_SNAPSHOTS_H_
