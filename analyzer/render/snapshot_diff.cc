#include "analyzer/render/snapshot_diff.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analyzer/model/text.h"
#include "analyzer/render/format.h"
#include "analyzer/render/json_report.h"
#include "analyzer/render/text_report.h"

namespace arenatrace::analyzer {
namespace {

std::string SnapshotName(size_t index, const SnapshotInfo& info) {
  return absl::StrCat("snapshot ", index + 1, info.label.empty() ? "" : " (", Printable(info.label),
                      info.label.empty() ? "" : ")", " at ", Seconds(info.micros));
}

nlohmann::json SideJson(size_t index, const SnapshotInfo& info, uint64_t objects, uint64_t bytes) {
  return {{"index", index},
          {"label", info.label},
          {"micros", info.micros},
          {"objects", objects},
          {"bytes", bytes}};
}

}  // namespace

std::string SnapshotDiffText(const graph::SnapshotDiff& diff) {
  std::string out = absl::StrCat(
      "  A: ", SnapshotName(diff.a_index, diff.a_info), ": ", diff.a_objects, " objects, ",
      Bytes(static_cast<int64_t>(diff.a_bytes)), "\n  B: ", SnapshotName(diff.b_index, diff.b_info),
      ": ", diff.b_objects, " objects, ", Bytes(static_cast<int64_t>(diff.b_bytes)), "\n");
  if (diff.same_trace) {
    absl::StrAppend(&out, "  new in B (allocated after A, alive at B): ", diff.new_objects,
                    " objects, ", Bytes(static_cast<int64_t>(diff.new_bytes)),
                    "; gone (in A, freed by B): ", diff.gone_objects, " objects, ",
                    Bytes(static_cast<int64_t>(diff.gone_bytes)), "\n");
  } else {
    absl::StrAppend(&out,
                    "  (two traces share no object identity: \"new\" is the increase, and its "
                    "holder that of B's objects)\n");
  }
  if (diff.rows.empty()) {
    absl::StrAppend(&out, "\n  no type and site changed\n");
    return out;
  }
  absl::StrAppend(&out, "\n",
                  absl::StrFormat("  %12s %9s %12s %9s %12s  %-20s %s\n", "change", "objects",
                                  "B bytes", "new", "new bytes", "type", "site"));
  const std::string indent(4, ' ');
  for (const graph::SnapshotDiffRow& row : diff.rows) {
    const int64_t objects =
        static_cast<int64_t>(row.b_objects) - static_cast<int64_t>(row.a_objects);
    absl::StrAppend(
        &out, absl::StrFormat("  %12s %9s %12s %9d %12s  %-20s %s\n", SignedBytes(row.change()),
                              absl::StrCat(objects > 0 ? "+" : "", objects),
                              Bytes(static_cast<int64_t>(row.b_bytes)), row.new_objects,
                              Bytes(static_cast<int64_t>(row.new_bytes)), Printable(row.type),
                              row.site.empty() ? "(not recorded)" : Printable(row.site)));
    if (row.held_by.held) {
      const uint64_t of = diff.same_trace ? row.new_objects : row.b_objects;
      absl::StrAppend(&out, indent, HolderLine(row.held_by, of), "\n");
    }
  }
  return out;
}

nlohmann::json SnapshotDiffJson(const graph::SnapshotDiff& diff) {
  nlohmann::json rows = nlohmann::json::array();
  for (const graph::SnapshotDiffRow& row : diff.rows) {
    rows.push_back({{"type", row.type},
                    {"site", row.site},
                    {"a", {{"objects", row.a_objects}, {"bytes", row.a_bytes}}},
                    {"b", {{"objects", row.b_objects}, {"bytes", row.b_bytes}}},
                    {"change_bytes", row.change()},
                    {"new", {{"objects", row.new_objects}, {"bytes", row.new_bytes}}},
                    {"held_by", HolderJson(row.held_by)}});
  }
  nlohmann::json out = {{"same_trace", diff.same_trace},
                        {"a", SideJson(diff.a_index, diff.a_info, diff.a_objects, diff.a_bytes)},
                        {"b", SideJson(diff.b_index, diff.b_info, diff.b_objects, diff.b_bytes)},
                        {"rows", rows}};
  if (diff.same_trace) {
    out["new"] = {{"objects", diff.new_objects}, {"bytes", diff.new_bytes}};
    out["gone"] = {{"objects", diff.gone_objects}, {"bytes", diff.gone_bytes}};
  }
  return out;
}

}  // namespace arenatrace::analyzer
