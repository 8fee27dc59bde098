#include "analyzer/analyses/timeline.h"

#include <algorithm>

namespace arenatrace::analyzer {
namespace {

void MergeInto(TimelinePoint& into, const TimelinePoint& p) {
  into.heap_min = std::min(into.heap_min, p.heap_min);
  into.heap_max = std::max(into.heap_max, p.heap_max);
  into.heap_last = p.heap_last;
  for (unsigned d = 0; d < trace::kNumDomains; ++d) {
    into.domain_max[d] = std::max(into.domain_max[d], p.domain_max[d]);
  }
  into.rss_max = std::max(into.rss_max, p.rss_max);
}

}  // namespace

const char* TimelineEventKindName(TimelineEvent::Kind kind) {
  switch (kind) {
    case TimelineEvent::Kind::kMark:
      return "mark";
    case TimelineEvent::Kind::kGc:
      return "gc";
    case TimelineEvent::Kind::kFinalizing:
      return "finalizing";
    case TimelineEvent::Kind::kFork:
      return "fork";
    case TimelineEvent::Kind::kExec:
      return "exec";
    case TimelineEvent::Kind::kSnapshotRequest:
      return "snapshot_request";
  }
  return "?";
}

TimelinePoint& TimelineAnalysis::Current() {
  if (__builtin_expect(state().now < bucket_end_ && !result_.points.empty(), 1)) {
    return result_.points.back();
  }
  const uint64_t start = state().now / bucket_micros_ * bucket_micros_;
  std::vector<TimelinePoint>& points = result_.points;
  bucket_end_ = start + bucket_micros_;
  if (points.empty() || points.back().micros != start) {
    TimelinePoint point;
    point.micros = start;
    point.heap_min = point.heap_max = point.heap_last = heap_;
    for (unsigned d = 0; d < trace::kNumDomains; ++d) point.domain_max[d] = domains_[d];
    points.push_back(point);
    bucket_end_ = start + bucket_micros_;
    if (points.size() > kMaxPoints) {
      Halve();
      return Current();
    }
  }
  return points.back();
}

// Buckets twice as wide: neighbours in the same wider bucket merge.
void TimelineAnalysis::Halve() {
  bucket_micros_ *= 2;
  bucket_end_ = 0;
  std::vector<TimelinePoint>& points = result_.points;
  size_t kept = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    TimelinePoint p = points[i];
    p.micros = p.micros / bucket_micros_ * bucket_micros_;
    if (kept > 0 && points[kept - 1].micros == p.micros) {
      MergeInto(points[kept - 1], p);
    } else {
      points[kept++] = p;
    }
  }
  points.resize(kept);
}

void TimelineAnalysis::Changed() {
  TimelinePoint& point = Current();
  point.heap_min = std::min(point.heap_min, heap_);
  point.heap_max = std::max(point.heap_max, heap_);
  point.heap_last = heap_;
  for (unsigned d = 0; d < trace::kNumDomains; ++d) {
    point.domain_max[d] = std::max(point.domain_max[d], domains_[d]);
  }
}

// An allocation can only raise the maxima, of the heap and of its own
// domain; a release can only lower the minimum. (Changed() would compare
// all of them, for every event.)
void TimelineAnalysis::OnAlloc(uint64_t, const Block& block) {
  const int domain = static_cast<int>(block.domain);
  heap_ += block.size;
  domains_[domain] += block.size;
  TimelinePoint& point = Current();
  point.heap_max = std::max(point.heap_max, heap_);
  point.heap_last = heap_;
  point.domain_max[domain] = std::max(point.domain_max[domain], domains_[domain]);
}

void TimelineAnalysis::OnRelease(uint64_t, const Block& block, Release) {
  heap_ -= block.size;
  domains_[static_cast<int>(block.domain)] -= block.size;
  TimelinePoint& point = Current();
  point.heap_min = std::min(point.heap_min, heap_);
  point.heap_last = heap_;
}

void TimelineAnalysis::OnTime(uint64_t) { Changed(); }

void TimelineAnalysis::OnRss(uint64_t bytes) {
  TimelinePoint& point = Current();
  point.rss_max = std::max(point.rss_max, bytes);
}

void TimelineAnalysis::OnGcStart(uint64_t) { gc_started_ = state().now; }

void TimelineAnalysis::OnGcStop(uint64_t generation, uint64_t collected, uint64_t) {
  TimelineEvent event{
      TimelineEvent::Kind::kGc, gc_started_, state().now - gc_started_, generation, collected, ""};
  result_.events.push_back(event);
}

void TimelineAnalysis::OnMark() {
  result_.events.push_back(
      {TimelineEvent::Kind::kMark, state().now, 0, 0, 0, state().marks.back().label});
}

void TimelineAnalysis::OnFinalizing() {
  result_.events.push_back({TimelineEvent::Kind::kFinalizing, state().now, 0, 0, 0, ""});
}

void TimelineAnalysis::OnEnd() {
  for (const ForkInfo& fork : state().forks) {
    result_.events.push_back(
        {TimelineEvent::Kind::kFork, fork.micros, 0, 0, 0, std::to_string(fork.child_pid)});
  }
  for (const MarkInfo& request : state().snapshot_requests) {
    result_.events.push_back(
        {TimelineEvent::Kind::kSnapshotRequest, request.micros, 0, 0, 0, request.label});
  }
  if (state().replaced_by_exec) {
    result_.events.push_back({TimelineEvent::Kind::kExec, state().now, 0, 0, 0, state().exec_path});
  }
  std::stable_sort(
      result_.events.begin(), result_.events.end(),
      [](const TimelineEvent& a, const TimelineEvent& b) { return a.micros < b.micros; });
  if (result_.points.empty()) Current();
  result_.bucket_micros = bucket_micros_;
  result_.duration_micros = state().now;
}

std::vector<TimelinePoint> Reduce(const TimelineResult& timeline, size_t points) {
  if (points == 0 || timeline.points.size() <= points) return timeline.points;
  const uint64_t span = std::max<uint64_t>(timeline.duration_micros, 1);
  const uint64_t width = (span + points - 1) / points;
  std::vector<TimelinePoint> reduced;
  for (const TimelinePoint& p : timeline.points) {
    const uint64_t start = p.micros / width * width;
    if (!reduced.empty() && reduced.back().micros == start) {
      MergeInto(reduced.back(), p);
    } else {
      TimelinePoint q = p;
      q.micros = start;
      reduced.push_back(q);
    }
  }
  return reduced;
}

}  // namespace arenatrace::analyzer
