// `timeline`: buckets keep each moment's minimum and maximum, also once
// merged, so that a reduced series never loses a peak.
#include "analyzer/analyses/timeline.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;

TEST(TimelineTest, APeakOfOneMillisecondSurvivesReduction) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"f", "a.py", 1}});
  b.Alloc(0x1000, 100, s);
  for (uint64_t ms = 1; ms < 20000; ++ms) {  // 20 s of 1 ms ticks: the buckets widen
    b.At(ms * 1000);
    if (ms == 12345) {
      b.Alloc(0x2000, 1 << 20, s);
      b.Free(0x2000);
    }
    b.Alloc(0x3000, 8, s);
    b.Free(0x3000);
  }
  b.Mark("late");
  b.End();
  TimelineAnalysis timeline;
  ReplayOf(b, {&timeline});
  const TimelineResult& r = timeline.result();
  EXPECT_LE(r.points.size(), TimelineAnalysis::kMaxPoints);
  for (size_t columns : {size_t{0}, size_t{1000}, size_t{72}, size_t{3}}) {
    uint64_t top = 0;
    for (const TimelinePoint& p : Reduce(r, columns)) top = std::max(top, p.heap_max);
    EXPECT_EQ(top, 100u + (1 << 20)) << columns;
  }
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].label, "late");
}

}  // namespace
}  // namespace arenatrace::analyzer
