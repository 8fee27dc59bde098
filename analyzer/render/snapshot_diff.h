// `arenatrace diff --snapshots`' result as text and JSON (docs/REPORTS.md, "diff").
#ifndef ARENATRACE_ANALYZER_RENDER_SNAPSHOT_DIFF_H_
#define ARENATRACE_ANALYZER_RENDER_SNAPSHOT_DIFF_H_

#include <nlohmann/json.hpp>
#include <string>

#include "analyzer/graph/snapshot_diff.h"

namespace arenatrace::analyzer {

std::string SnapshotDiffText(const graph::SnapshotDiff& diff);
nlohmann::json SnapshotDiffJson(const graph::SnapshotDiff& diff);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_SNAPSHOT_DIFF_H_
