// `arenatrace summary`: what a trace holds, as text or JSON. Built from the
// replay's state and three analyses (allocated, peak, GC); the JSON fields
// are documented in docs/USAGE.md and stay stable.
#ifndef ARENATRACE_ANALYZER_RENDER_SUMMARY_REPORT_H_
#define ARENATRACE_ANALYZER_RENDER_SUMMARY_REPORT_H_

#include <string>

#include "analyzer/analyses/gc.h"
#include "analyzer/analyses/peak.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/model/run.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer {

struct SummaryInput {
  const Run* run;
  size_t process;  // index in run->traces
  const ReplayState* state;
  const StackProfile* allocated;
  const PeakResult* peak;
  const GcResult* gc;
  size_t top;
};

std::string SummaryText(const SummaryInput& input);
std::string SummaryJson(const SummaryInput& input);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_SUMMARY_REPORT_H_
