// `arenatrace graph`'s result as text, JSON (docs/REPORTS.md, "graph") and
// Graphviz DOT (the retention paths).
#ifndef ARENATRACE_ANALYZER_RENDER_GRAPH_REPORT_H_
#define ARENATRACE_ANALYZER_RENDER_GRAPH_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "analyzer/graph/graph_report.h"

namespace arenatrace::analyzer {

std::string GraphReportText(const graph::GraphReport& report);
nlohmann::json GraphReportJson(const graph::GraphReport& report);
// A retention path on one line: "sys.modules['app'] -> __dict__ -> cache ->
// ['k1'] (Entry)"; an edge the referrer does not name shows the type it leads to.
std::string RetentionPathLine(const graph::RetentionPathSummary& path);
// The retention paths as one digraph: roots, hops and named edges.
std::string GraphPathsDot(const graph::GraphReport& report);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_GRAPH_REPORT_H_
