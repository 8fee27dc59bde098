#include "analyzer/cli/snapshot_loading.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "analyzer/model/text.h"

namespace arenatrace::cli {

const char kNoSnapshotReason[] =
    "the trace has no snapshot of the object graph (recorded with --snapshot=never or by a "
    "free-threaded Python, or the process did not reach finalisation: take one with "
    "arenatrace.snapshot() or kill -USR1)";

bool ParseSnapshotOption(const std::string& command, const std::string& snapshot,
                         std::optional<size_t>* wanted) {
  if (snapshot.empty()) return true;
  size_t number = 0;
  if (!absl::SimpleAtoi(snapshot, &number) || number == 0) {
    Fail(command, "--snapshot takes a number from 1", kUsage);
    return false;
  }
  *wanted = number - 1;
  return true;
}

void AddSnapshotOption(CLI::App& app, std::string* snapshot) {
  app.add_option("--snapshot", *snapshot, "which snapshot, from 1 (default: the last whole one)");
}

int LoadSnapshot(const CLI::App& app, const CommonOptions& options, const std::string& snapshot,
                 LoadedSnapshot* out) {
  std::optional<size_t> wanted;
  if (!ParseSnapshotOption(app.get_name(), snapshot, &wanted)) return kUsage;
  return LoadSnapshots(app, options, {wanted}, out);
}

int LoadSnapshots(const CLI::App& app, const CommonOptions& options,
                  const std::vector<std::optional<size_t>>& wanted, LoadedSnapshot* out) {
  const std::string command = app.get_name();
  if (const int status = LoadRun(app, options, &out->loaded); status >= 0) return status;
  out->index = out->loaded.selected.front();
  for (const std::optional<size_t>& w : wanted) {
    out->builders.push_back(std::make_unique<analyzer::graph::SnapshotGraphBuilder>(w));
  }
  out->replay.index = out->index;
  if (const int status = ReplayProcess(
          out->loaded.run.traces[out->index], options,
          [&](analyzer::Replay& r, const analyzer::Selection&) {
            for (auto& builder : out->builders) r.Add(builder.get());
          },
          &out->replay);
      status >= 0) {
    return status;
  }
  const size_t seen = out->snapshots_in_trace();
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (out->builders[i]->result()) continue;
    std::string why;
    if (seen == 0) {
      why = kNoSnapshotReason;
    } else if (wanted[i]) {
      why = absl::StrCat("the trace has ", seen, seen == 1 ? " snapshot" : " snapshots",
                         ", and snapshot ", *wanted[i] + 1, " is not one of them or was cut short");
    } else {
      why = "every snapshot in the trace was cut short";
    }
    return Fail(command, absl::StrCat(analyzer::Printable(options.trace), ": ", why), kUsage);
  }
  return -1;
}

}  // namespace arenatrace::cli
