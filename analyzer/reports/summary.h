// `arenatrace summary`: what a trace holds, as text or JSON (docs/USAGE.md
// documents the JSON fields; tests assert on them).
#ifndef ARENATRACE_ANALYZER_REPORTS_SUMMARY_H_
#define ARENATRACE_ANALYZER_REPORTS_SUMMARY_H_

#include <string>

#include "analyzer/replay/trace_model.h"

namespace arenatrace::analyzer {

std::string SummaryText(const std::string& path, const TraceModel& model, int top_sites);
std::string SummaryJson(const std::string& path, const TraceModel& model, int top_sites);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_REPORTS_SUMMARY_H_
