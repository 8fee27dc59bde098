// Plain-text tables for every result shape, for a terminal: every string
// from the trace goes through Printable (model/text.h).
#ifndef ARENATRACE_ANALYZER_RENDER_TEXT_REPORT_H_
#define ARENATRACE_ANALYZER_RENDER_TEXT_REPORT_H_

#include <string>

#include "analyzer/analyses/fragmentation.h"
#include "analyzer/analyses/gc.h"
#include "analyzer/analyses/generations.h"
#include "analyzer/analyses/leaks.h"
#include "analyzer/analyses/peak.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/analyses/timeline.h"
#include "analyzer/model/run.h"
#include "analyzer/render/json_report.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer {

// "pid 42 (python3 app.py), Python 3.12.1, complete, 1.234 s"
std::string ProcessHeadingText(const TraceFile& trace, const ReplayState& state);
// Sites by the profile's measure, each with the callers of its largest stack.
std::string ProfileText(const StackProfile& profile, const ListLimits& limits);
std::string PeakText(const PeakResult& peak, const ListLimits& limits);
// With `evidence`: why each site's objects are alive, the hidden references
// and the cyclic garbage (graph/leak_evidence.h).
std::string LeaksText(const LeaksResult& leaks, const ListLimits& limits,
                      const graph::LeakEvidence* evidence = nullptr);
// "held by a dict from load (app.py:3): 1000 of 1000 objects, e.g. sys.modules[...] -> ..."
std::string HolderLine(const graph::HolderSummary& holder, uint64_t of_objects);
std::string GenerationsText(const GenerationsResult& generations, const ListLimits& limits);
std::string GcText(const GcResult& gc, const ListLimits& limits);
std::string TimelineText(const TimelineResult& timeline, size_t columns);
std::string FragmentationText(const FragmentationResult& fragmentation, const ListLimits& limits);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_TEXT_REPORT_H_
