// `timeline`: the selected heap by domain, RSS, garbage collections, marks
// and the process's events over time. Kept as at most kMaxPoints buckets of
// time (a bucket's width doubles when there would be more), each with the
// heap's minimum and maximum in it, so that peaks survive any reduction and
// memory does not grow with the length of the run.
#ifndef ARENATRACE_ANALYZER_ANALYSES_TIMELINE_H_
#define ARENATRACE_ANALYZER_ANALYSES_TIMELINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

struct TimelinePoint {
  uint64_t micros = 0;  // the bucket's start
  uint64_t heap_min = 0;
  uint64_t heap_max = 0;
  uint64_t heap_last = 0;
  uint64_t domain_max[trace::kNumDomains] = {};
  uint64_t rss_max = 0;  // 0: no sample in the bucket
};

struct TimelineEvent {
  enum class Kind { kMark, kGc, kFinalizing, kFork, kExec, kSnapshotRequest };
  Kind kind;
  uint64_t micros = 0;
  uint64_t duration_micros = 0;  // GC
  uint64_t generation = 0;       // GC
  uint64_t collected = 0;        // GC
  std::string label;             // mark, snapshot request, exec path; fork: the child's pid
};
const char* TimelineEventKindName(TimelineEvent::Kind kind);

struct TimelineResult {
  uint64_t bucket_micros = 0;
  std::vector<TimelinePoint> points;
  std::vector<TimelineEvent> events;
  uint64_t duration_micros = 0;
};

// `points` buckets of equal width over the result (min/max kept).
std::vector<TimelinePoint> Reduce(const TimelineResult& timeline, size_t points);

class TimelineAnalysis : public ReplayObserver {
 public:
  static constexpr size_t kMaxPoints = 8192;

  void OnAlloc(uint64_t, const Block& block) override;
  void OnRelease(uint64_t, const Block& block, Release) override;
  void OnTime(uint64_t micros) override;
  void OnRss(uint64_t bytes) override;
  void OnGcStart(uint64_t generation) override;
  void OnGcStop(uint64_t generation, uint64_t collected, uint64_t uncollectable) override;
  void OnMark() override;
  void OnFinalizing() override;
  void OnEnd() override;

  TimelineResult& result() { return result_; }

 private:
  TimelinePoint& Current();
  void Changed();
  void Halve();

  uint64_t heap_ = 0;
  uint64_t domains_[trace::kNumDomains] = {};
  uint64_t bucket_micros_ = 1000;
  uint64_t bucket_end_ = 0;  // of the last point's bucket
  uint64_t gc_started_ = 0;
  size_t forks_seen_ = 0;
  size_t snapshots_seen_ = 0;
  TimelineResult result_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_TIMELINE_H_
