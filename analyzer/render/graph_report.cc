#include "analyzer/render/graph_report.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "analyzer/model/text.h"
#include "analyzer/render/format.h"

namespace arenatrace::analyzer {
namespace {

const char* TriggerName(trace::SnapshotTrigger trigger) {
  switch (trigger) {
    case trace::SnapshotTrigger::kFinalizing:
      return "finalisation";
    case trace::SnapshotTrigger::kSignal:
      return "signal";
    default:
      return "request";
  }
}

std::string Address(uint64_t address) { return absl::StrFormat("0x%x", address); }

std::string NodeText(const graph::NodeSummary& node) {
  std::string text = absl::StrCat(Printable(node.type), " at ", Address(node.address), ", ",
                                  Bytes(static_cast<int64_t>(node.self_size)));
  if (node.reachable && node.retained_size != node.self_size) {
    absl::StrAppend(&text, ", retains ", Bytes(static_cast<int64_t>(node.retained_size)));
  }
  if (!node.site.empty()) absl::StrAppend(&text, ", allocated in ", Printable(node.site));
  return text;
}

void AppendGroups(std::string* out, const char* title, const char* key_title,
                  const std::vector<graph::GroupSummary>& rows, uint64_t total) {
  if (rows.empty()) return;
  absl::StrAppend(out, "\n", title, "\n");
  absl::StrAppendFormat(out, "  %12s %7s %10s  %s\n", "retained", "share", "objects", key_title);
  for (const graph::GroupSummary& row : rows) {
    absl::StrAppendFormat(
        out, "  %12s %7s %10d  %s\n", Bytes(static_cast<int64_t>(row.retained_size)),
        Share(static_cast<int64_t>(row.retained_size), static_cast<int64_t>(total)), row.nodes,
        Printable(row.key));
  }
}

nlohmann::json NodeJson(const graph::NodeSummary& node) {
  return {{"address", node.address},
          {"type", node.type},
          {"self_bytes", node.self_size},
          {"retained_bytes", node.retained_size},
          {"site", node.site},
          {"reachable", node.reachable}};
}

nlohmann::json GroupsJson(const std::vector<graph::GroupSummary>& rows) {
  nlohmann::json list = nlohmann::json::array();
  for (const graph::GroupSummary& row : rows) {
    list.push_back({{"key", row.key},
                    {"retained_bytes", row.retained_size},
                    {"objects", row.nodes},
                    {"topmost_objects", row.topmost_nodes},
                    {"self_bytes", row.self_size}});
  }
  return list;
}

// Text inside a DOT string: printable, quotes and backslashes escaped.
std::string DotText(std::string_view text) {
  return absl::StrReplaceAll(Printable(text), {{"\\", "\\\\"}, {"\"", "\\\""}});
}
std::string DotQuote(std::string_view text) { return absl::StrCat("\"", DotText(text), "\""); }

}  // namespace

std::string RetentionPathLine(const graph::RetentionPathSummary& path) {
  std::string line = Printable(path.root);
  for (size_t hop = 1; hop < path.steps.size(); ++hop) {
    const graph::PathStep& step = path.steps[hop];
    absl::StrAppend(&line, " -> ",
                    step.edge.empty() ? absl::StrCat("(", Printable(step.node.type), ")")
                                      : Printable(step.edge));
  }
  if (!path.steps.empty() && !path.steps.back().edge.empty()) {
    absl::StrAppend(&line, " (", Printable(path.steps.back().node.type), ")");
  }
  return line;
}

std::string GraphReportText(const graph::GraphReport& report) {
  std::string out;
  const SnapshotInfo& snapshot = report.snapshot;
  absl::StrAppendFormat(&out, "Snapshot %d of %d (%s%s%s) at %s: %d objects, %d references, %s\n",
                        report.snapshot_index + 1, report.snapshots_in_trace,
                        TriggerName(snapshot.trigger), snapshot.label.empty() ? "" : " ",
                        Printable(snapshot.label), Seconds(snapshot.micros), report.nodes,
                        report.edges, Bytes(static_cast<int64_t>(report.total_size)));
  absl::StrAppendFormat(&out,
                        "  reachable from the roots: %d objects; roots: %d named, %d held from "
                        "outside the graph\n",
                        report.reachable_nodes, report.named_roots, report.external_roots);
  if (report.unreachable_tracked > 0) {
    absl::StrAppendFormat(
        &out, "  unreachable (cyclic garbage not yet collected): %d objects, %s\n",
        report.unreachable_tracked, Bytes(static_cast<int64_t>(report.unreachable_size)));
  }
  if (!report.top_objects.empty()) {
    absl::StrAppend(&out, "\nObjects that retain the most\n");
    for (const graph::NodeSummary& node : report.top_objects) {
      absl::StrAppendFormat(&out, "  %12s  %s\n", Bytes(static_cast<int64_t>(node.retained_size)),
                            NodeText(node));
    }
  }
  AppendGroups(&out,
               "Retained by type (objects of a type inside another of the same type counted once)",
               "type", report.by_type, report.total_size);
  AppendGroups(&out, "Retained by allocation site", "site", report.by_site, report.total_size);
  if (!report.query.empty()) {
    absl::StrAppendFormat(&out, "\nObjects %s: %d, %s", Printable(report.query), report.matched,
                          Bytes(static_cast<int64_t>(report.matched_self_size)));
    if (report.matched_unreachable > 0) {
      absl::StrAppendFormat(&out, " (%d unreachable: garbage)", report.matched_unreachable);
    }
    absl::StrAppend(&out, "\n");
    for (size_t i = 0; i < report.paths.size(); ++i) {
      const graph::RetentionPathSummary& path = report.paths[i];
      absl::StrAppendFormat(&out, "\nRetention path %d: from %s\n", i + 1, Printable(path.root));
      for (size_t hop = 0; hop < path.steps.size(); ++hop) {
        const graph::PathStep& step = path.steps[hop];
        if (hop == 0) {
          absl::StrAppend(&out, "  ", NodeText(step.node), "\n");
        } else if (step.edge.empty()) {  // a reference the type does not name
          absl::StrAppend(&out, "    -> ", NodeText(step.node), "\n");
        } else {
          absl::StrAppend(&out, "    -> ", Printable(step.edge), ": ", NodeText(step.node), "\n");
        }
      }
    }
    if (report.matched > 0 && report.paths.empty()) {
      absl::StrAppend(&out, "  no root reaches them\n");
    }
  }
  return out;
}

nlohmann::json GraphReportJson(const graph::GraphReport& report) {
  nlohmann::json top = nlohmann::json::array();
  for (const graph::NodeSummary& node : report.top_objects) top.push_back(NodeJson(node));
  nlohmann::json paths = nlohmann::json::array();
  for (const graph::RetentionPathSummary& path : report.paths) {
    nlohmann::json steps = nlohmann::json::array();
    for (const graph::PathStep& step : path.steps) {
      nlohmann::json json = NodeJson(step.node);
      json["edge"] = step.edge;
      steps.push_back(json);
    }
    paths.push_back({{"root_kind", path.root_kind}, {"root", path.root}, {"steps", steps}});
  }
  const SnapshotInfo& snapshot = report.snapshot;
  return {{"snapshot",
           {{"index", report.snapshot_index},
            {"of", report.snapshots_in_trace},
            {"trigger", TriggerName(snapshot.trigger)},
            {"label", snapshot.label},
            {"micros", snapshot.micros}}},
          {"objects", report.nodes},
          {"references", report.edges},
          {"bytes", report.total_size},
          {"reachable_objects", report.reachable_nodes},
          {"named_roots", report.named_roots},
          {"external_roots", report.external_roots},
          {"unreachable_objects", report.unreachable_tracked},
          {"unreachable_bytes", report.unreachable_size},
          {"top_objects", top},
          {"by_type", GroupsJson(report.by_type)},
          {"by_site", GroupsJson(report.by_site)},
          {"query",
           {{"asked", report.query},
            {"matched", report.matched},
            {"matched_bytes", report.matched_self_size},
            {"matched_unreachable", report.matched_unreachable},
            {"paths", paths}}}};
}

std::string GraphPathsDot(const graph::GraphReport& report) {
  std::string out = "digraph retention {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n";
  // Paths share their roots and their first hops: each root, object and
  // edge is drawn once, however many paths go through it.
  absl::flat_hash_set<uint64_t> drawn;
  absl::flat_hash_map<std::string, std::string> root_ids;
  absl::flat_hash_set<std::string> edges;
  for (const graph::RetentionPathSummary& path : report.paths) {
    auto [root, new_root] = root_ids.try_emplace(path.root, absl::StrCat("root", root_ids.size()));
    if (new_root) {
      absl::StrAppend(&out, "  ", root->second, " [shape=ellipse, label=", DotQuote(path.root),
                      "];\n");
    }
    std::string previous = root->second;
    for (const graph::PathStep& step : path.steps) {
      const std::string id = absl::StrCat("n", Address(step.node.address));
      if (drawn.insert(step.node.address).second) {
        // "\n" inside a DOT string is a line break.
        std::string label = absl::StrCat(DotText(step.node.type), "\\n",
                                         Bytes(static_cast<int64_t>(step.node.retained_size)));
        if (!step.node.site.empty()) absl::StrAppend(&label, "\\n", DotText(step.node.site));
        absl::StrAppend(&out, "  ", id, " [label=\"", label, "\"];\n");
      }
      std::string edge = absl::StrCat("  ", previous, " -> ", id);
      if (!step.edge.empty()) absl::StrAppend(&edge, " [label=", DotQuote(step.edge), "]");
      absl::StrAppend(&edge, ";\n");
      if (edges.insert(edge).second) out += edge;
      previous = id;
    }
  }
  absl::StrAppend(&out, "}\n");
  return out;
}

}  // namespace arenatrace::analyzer
