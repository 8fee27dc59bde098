#include "analyzer/cli/diff_snapshots.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "analyzer/cli/snapshot_loading.h"
#include "analyzer/graph/snapshot_diff.h"
#include "analyzer/model/text.h"
#include "analyzer/render/json_report.h"
#include "analyzer/render/snapshot_diff.h"

namespace arenatrace::cli {

int DiffSnapshots(const CLI::App& app, const CommonOptions& a, const CommonOptions& b,
                  const std::string& a_snapshot, const std::string& b_snapshot) {
  const std::string command = app.get_name();
  std::optional<size_t> a_wanted, b_wanted;
  if (!ParseSnapshotOption(command, a_snapshot, &a_wanted) ||
      !ParseSnapshotOption(command, b_snapshot, &b_wanted)) {
    return kUsage;
  }
  const bool same_trace = a.trace == b.trace;
  LoadedSnapshot first, second;
  const LoadedSnapshot* b_loaded = &second;
  size_t b_slot = 0;
  if (same_trace) {
    if (!a_wanted) a_wanted = 0;
    if (const int status = LoadSnapshots(app, a, {a_wanted, b_wanted}, &first); status >= 0) {
      return status;
    }
    b_loaded = &first;
    b_slot = 1;
    if (first.snapshot(0).index == first.snapshot(1).index) {
      return Fail(command,
                  absl::StrCat(analyzer::Printable(a.trace), ": A and B are the same snapshot (",
                               first.snapshots_in_trace(),
                               " in the trace): take another with arenatrace.snapshot(), or "
                               "compare with a second trace"),
                  kUsage);
    }
  } else {
    if (const int status = LoadSnapshots(app, a, {a_wanted}, &first); status >= 0) return status;
    if (const int status = LoadSnapshots(app, b, {b_wanted}, &second); status >= 0) {
      return status;
    }
  }
  const analyzer::graph::SnapshotDiff diff = analyzer::graph::DiffSnapshots(
      {&first.snapshot(0), &first.state()}, {&b_loaded->snapshot(b_slot), &b_loaded->state()},
      same_trace, a.top);
  std::string out;
  if (a.json) {
    nlohmann::json json = analyzer::SnapshotDiffJson(diff);
    json["a"]["trace"] = a.trace;
    json["b"]["trace"] = b.trace;
    out = JsonText({{"command", "diff"}, {"snapshots", json}});
  } else {
    out = absl::StrCat("arenatrace diff of two snapshots of the object graph: B minus A\n  A: ",
                       analyzer::Printable(a.trace), "\n  B: ", analyzer::Printable(b.trace), "\n",
                       analyzer::SnapshotDiffText(diff));
  }
  if (!WriteOutput(a, out)) return kUnreadable;
  const int status = FinishWithStatus({&first.replay}, first.loaded.run);
  if (same_trace) return status;
  return std::max(status, FinishWithStatus({&second.replay}, second.loaded.run));
}

}  // namespace arenatrace::cli
