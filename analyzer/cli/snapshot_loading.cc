#include "analyzer/cli/snapshot_loading.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "analyzer/model/text.h"

namespace arenatrace::cli {

void AddSnapshotOption(CLI::App& app, std::string* snapshot) {
  app.add_option("--snapshot", *snapshot, "which snapshot, from 1 (default: the last whole one)");
}

int LoadSnapshot(const CLI::App& app, const CommonOptions& options, const std::string& snapshot,
                 LoadedSnapshot* out) {
  const std::string command = app.get_name();
  std::optional<size_t> wanted;
  if (!snapshot.empty()) {
    size_t number = 0;
    if (!absl::SimpleAtoi(snapshot, &number) || number == 0) {
      return Fail(command, "--snapshot takes a number from 1", kUsage);
    }
    wanted = number - 1;
  }
  if (const int status = LoadRun(app, options, &out->loaded); status >= 0) return status;
  out->index = out->loaded.selected.front();
  out->builder = std::make_unique<analyzer::graph::SnapshotGraphBuilder>(wanted);
  out->replay.index = out->index;
  analyzer::graph::SnapshotGraphBuilder* builder = out->builder.get();
  if (const int status = ReplayProcess(
          out->loaded.run.traces[out->index], options,
          [&](analyzer::Replay& r, const analyzer::Selection&) { r.Add(builder); }, &out->replay);
      status >= 0) {
    return status;
  }
  if (builder->result()) return -1;
  std::string why;
  if (builder->snapshots_seen() == 0) {
    why =
        "the trace has no snapshot of the object graph (recorded with --snapshot=never or by a "
        "free-threaded Python, or the process did not reach finalisation: take one with "
        "arenatrace.snapshot() or kill -USR1)";
  } else if (wanted) {
    why = absl::StrCat("the trace has ", builder->snapshots_seen(), " snapshots, and snapshot ",
                       *wanted + 1, " is not one of them or was cut short");
  } else {
    why = "every snapshot in the trace was cut short";
  }
  return Fail(command, absl::StrCat(analyzer::Printable(options.trace), ": ", why), kUsage);
}

}  // namespace arenatrace::cli
