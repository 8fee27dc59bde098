// `arenatrace diff`: per-site differences between two traces, or two windows
// of one, in allocated, peak and leaked bytes and blocks.
#include <algorithm>
#include <cstdlib>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analyzer/cli/commands.h"
#include "analyzer/cli/diff_snapshots.h"
#include "analyzer/cli/stack_analyses.h"
#include "analyzer/model/text.h"
#include "analyzer/render/format.h"

namespace arenatrace::cli {
namespace {

constexpr StackAnalysisKind kMeasures[] = {StackAnalysisKind::kAllocated, StackAnalysisKind::kPeak,
                                           StackAnalysisKind::kLeaks};

struct Side {
  std::string label;
  analyzer::StackProfile profiles[3];  // as kMeasures
  bool incomplete = false;
};

// Each measure replays the run again: only the first says what is wrong with it.
int LoadSide(const CLI::App& app, const CommonOptions& options, Side* side) {
  CommonOptions again = options;
  for (int m = 0; m < 3; ++m) {
    if (const int status =
            MergedProfile(app, again, kMeasures[m], {}, &side->profiles[m], &side->incomplete);
        status >= 0) {
      return status;
    }
    again.quiet = true;
  }
  return -1;
}

struct SiteDiff {
  analyzer::ProfileFrame site;
  analyzer::ProfileValues a[3];
  analyzer::ProfileValues b[3];
};

}  // namespace

int DiffCommand(const std::vector<std::string>& args) {
  CLI::App app(
      "Per-site differences in bytes and blocks allocated, live at the peak and left alive at "
      "the program's end (leaked): between two traces (B minus A), or two windows of one trace "
      "(--a-from/--a-to against --b-from/--b-to, e.g. mark:warm-up). With --snapshots: two "
      "snapshots of the object graph by type and allocation site, what is new and who holds it.",
      "arenatrace diff");
  CommonOptions options;
  AddCommonOptions(app, &options, kAllOptions);
  std::string other;
  app.add_option("other", other, "the second trace (B); default: the first again");
  std::string a_from, a_to, b_from, b_to;
  app.add_option("--a-from", a_from, "A's window start (same forms as --from)");
  app.add_option("--a-to", a_to, "A's window end");
  app.add_option("--b-from", b_from, "B's window start");
  app.add_option("--b-to", b_to, "B's window end");
  std::string measure = "peak";
  app.add_option("--by", measure, "the difference the sites are ranked by: allocated, peak, leaks")
      ->check(CLI::IsMember({"allocated", "peak", "leaks"}));
  bool snapshots = false;
  std::string a_snapshot, b_snapshot;
  app.add_flag("--snapshots", snapshots,
               "compare snapshots of the object graph: one trace's first and last (or "
               "--a-snapshot, --b-snapshot), or the last of each of two traces");
  app.add_option("--a-snapshot", a_snapshot, "with --snapshots: A's snapshot, from 1");
  app.add_option("--b-snapshot", b_snapshot, "with --snapshots: B's snapshot, from 1");
  if (const int status = Parse(app, args); status >= 0) return status;
  if (snapshots) {
    CommonOptions b_options = options;
    if (!other.empty()) {
      b_options.trace = other;
      b_options.pids.clear();
    }
    return DiffSnapshots(app, options, b_options, a_snapshot, b_snapshot);
  }
  if (other.empty() && a_from.empty() && a_to.empty() && b_from.empty() && b_to.empty()) {
    return Fail(app.get_name(),
                "one trace against itself: give a second trace, or windows (--a-to, --b-from ...)",
                kUsage);
  }
  Side a, b;
  CommonOptions a_options = options, b_options = options;
  if (!a_from.empty()) a_options.from = a_from;
  if (!a_to.empty()) a_options.to = a_to;
  if (!b_from.empty()) b_options.from = b_from;
  if (!b_to.empty()) b_options.to = b_to;
  if (!other.empty()) {
    b_options.trace = other;
    b_options.pids.clear();
  }
  b_options.quiet = b_options.trace == a_options.trace;
  if (const int status = LoadSide(app, a_options, &a); status >= 0) return status;
  if (const int status = LoadSide(app, b_options, &b); status >= 0) return status;

  const int ranked = measure == "allocated" ? 0 : measure == "peak" ? 1 : 2;
  absl::flat_hash_map<analyzer::ProfileFrame, SiteDiff> sites;
  for (int m = 0; m < 3; ++m) {
    for (const auto& s : BySite(a.profiles[m])) {
      const auto& frame = a.profiles[m].frames()[s.frame];
      SiteDiff& d = sites[frame];
      d.site = frame;
      d.a[m] += s.values;
    }
    for (const auto& s : BySite(b.profiles[m])) {
      const auto& frame = b.profiles[m].frames()[s.frame];
      SiteDiff& d = sites[frame];
      d.site = frame;
      d.b[m] += s.values;
    }
  }
  std::vector<SiteDiff> rows;
  for (auto& [frame, d] : sites) rows.push_back(d);
  auto delta = [](const SiteDiff& d, int m) { return d.b[m].bytes - d.a[m].bytes; };
  std::sort(rows.begin(), rows.end(), [&](const SiteDiff& x, const SiteDiff& y) {
    const int64_t dx = std::llabs(delta(x, ranked)), dy = std::llabs(delta(y, ranked));
    if (dx != dy) return dx > dy;
    return std::llabs(delta(x, 0)) > std::llabs(delta(y, 0));
  });
  int64_t total_change = 0;
  for (const SiteDiff& d : rows) total_change += std::llabs(delta(d, ranked));
  const analyzer::ListLimits limits = options.limits();
  std::string out;
  static const char* kNames[] = {"allocated", "peak", "leaked"};
  if (options.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const SiteDiff& d : rows) {
      if (list.size() >= limits.top) break;
      if (limits.min_share > 0 && std::llabs(delta(d, ranked)) < limits.min_share * total_change) {
        break;
      }
      nlohmann::json row = FrameJson(d.site);
      for (int m = 0; m < 3; ++m) {
        row[kNames[m]] = {{"a_bytes", d.a[m].bytes},
                          {"b_bytes", d.b[m].bytes},
                          {"a_count", d.a[m].count},
                          {"b_count", d.b[m].count},
                          {"bytes", d.b[m].bytes - d.a[m].bytes},
                          {"count", d.b[m].count - d.a[m].count}};
      }
      list.push_back(row);
    }
    nlohmann::json totals = nlohmann::json::object();
    for (int m = 0; m < 3; ++m) {
      totals[kNames[m]] = {{"a_bytes", a.profiles[m].Total().bytes},
                           {"b_bytes", b.profiles[m].Total().bytes}};
    }
    out = JsonText(
        {{"command", "diff"},
         {"a", {{"trace", a_options.trace}, {"from", a_options.from}, {"to", a_options.to}}},
         {"b", {{"trace", b_options.trace}, {"from", b_options.from}, {"to", b_options.to}}},
         {"ranked_by", kNames[ranked]},
         {"totals", totals},
         {"sites", list}});
  } else {
    auto side_label = [](const CommonOptions& o) {
      std::string label = analyzer::Printable(o.trace);
      if (!o.from.empty() || !o.to.empty()) {
        absl::StrAppend(&label, " [", analyzer::Printable(o.from.empty() ? "start" : o.from),
                        " .. ", analyzer::Printable(o.to.empty() ? "end" : o.to), ")");
      }
      return label;
    };
    absl::StrAppend(&out, "arenatrace diff: B minus A\n  A: ", side_label(a_options),
                    "\n  B: ", side_label(b_options), "\n");
    for (int m = 0; m < 3; ++m) {
      absl::StrAppend(&out, absl::StrFormat("  %-9s A %12s  B %12s  change %12s\n", kNames[m],
                                            analyzer::Bytes(a.profiles[m].Total().bytes),
                                            analyzer::Bytes(b.profiles[m].Total().bytes),
                                            analyzer::SignedBytes(b.profiles[m].Total().bytes -
                                                                  a.profiles[m].Total().bytes)));
    }
    absl::StrAppend(&out, "\n  sites by the change in ", kNames[ranked], " bytes:\n",
                    absl::StrFormat("  %13s %13s %13s %10s  %s\n", "allocated", "peak", "leaked",
                                    "blocks", "site"));
    size_t shown = 0;
    for (const SiteDiff& d : rows) {
      if (shown++ >= limits.top) break;
      if (delta(d, ranked) == 0) break;
      if (limits.min_share > 0 && std::llabs(delta(d, ranked)) < limits.min_share * total_change) {
        break;
      }
      absl::StrAppend(
          &out,
          absl::StrFormat("  %13s %13s %13s %+10d  %s\n", analyzer::SignedBytes(delta(d, 0)),
                          analyzer::SignedBytes(delta(d, 1)), analyzer::SignedBytes(delta(d, 2)),
                          d.b[ranked].count - d.a[ranked].count, analyzer::FrameLabel(d.site)));
    }
  }
  if (!WriteOutput(options, out)) return kUnreadable;
  return a.incomplete || b.incomplete ? kIncomplete : kOk;
}

}  // namespace arenatrace::cli
