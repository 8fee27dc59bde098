// JSON for every result shape. The fields are stable and documented in
// docs/REPORTS.md; the tests assert on them. Strings are the trace's own,
// with invalid UTF-8 replaced by U+FFFD when written (JsonText).
#ifndef ARENATRACE_ANALYZER_RENDER_JSON_REPORT_H_
#define ARENATRACE_ANALYZER_RENDER_JSON_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "analyzer/analyses/fragmentation.h"
#include "analyzer/analyses/gc.h"
#include "analyzer/analyses/generations.h"
#include "analyzer/analyses/leaks.h"
#include "analyzer/analyses/peak.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/analyses/timeline.h"
#include "analyzer/graph/leak_evidence.h"
#include "analyzer/model/run.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer {

struct ListLimits {
  size_t top = 20;       // rows of each list
  double min_share = 0;  // rows below this share of the total are left out
};

// Indented JSON text with a final newline; valid UTF-8 (model/text.h's
// ValidUtf8 on every string), never throws on bad UTF-8.
std::string JsonText(const nlohmann::json& value);

nlohmann::json FrameJson(const ProfileFrame& frame);
nlohmann::json AmountJson(const Amount& amount);
nlohmann::json ProfileJson(const StackProfile& profile, const ListLimits& limits);
// pid, ppid, argv, trace, status, problem, parent (pid), exec_image.
nlohmann::json ProcessJson(const TraceFile& trace, const ReplayState* state);

nlohmann::json PeakJson(const PeakResult& peak, const ListLimits& limits);
// The verdicts a report shows: every leak, the others above min_share, at most `top`.
std::vector<const LeakVerdict*> ShownVerdicts(const LeaksResult& leaks, const ListLimits& limits);
// Their sites: those whose graph evidence a report needs.
std::vector<FrameId> EvidenceSites(const LeaksResult& leaks, const ListLimits& limits);
// With `evidence` (from the last snapshot of the object graph), each
// verdict carries its "graph" object and the result lists the hidden
// references and the cyclic garbage (docs/REPORTS.md, "leaks").
nlohmann::json LeaksJson(const LeaksResult& leaks, const ListLimits& limits,
                         const graph::LeakEvidence* evidence = nullptr);
nlohmann::json RetentionPathJson(const graph::RetentionPathSummary& path);
// null when nothing of the set is reachable.
nlohmann::json HolderJson(const graph::HolderSummary& holder);
nlohmann::json GenerationsJson(const GenerationsResult& generations);
nlohmann::json GcJson(const GcResult& gc, const ListLimits& limits);
nlohmann::json TimelineJson(const TimelineResult& timeline, size_t points);
nlohmann::json FragmentationJson(const FragmentationResult& fragmentation,
                                 const ListLimits& limits);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_JSON_REPORT_H_
