// `peak` on hand-built traces: the stacks at the exact high-water mark,
// windows, and the cheap copy that must still be exact.
#include "analyzer/analyses/peak.h"

#include <gtest/gtest.h>

#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;

int64_t BytesAt(const StackProfile& profile, const std::string& function) {
  int64_t bytes = 0;
  for (const SiteValues& site : BySite(profile)) {
    if (profile.frames()[site.frame].function == function) bytes += site.values.bytes;
  }
  return bytes;
}

TEST(PeakTest, StacksAtTheHighWaterMarkNotAtTheEnd) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t build = b.Stack({{"main", "a.py", 1}, {"build", "a.py", 10}});
  const uint32_t other = b.Stack({{"main", "a.py", 2}, {"other", "a.py", 20}});
  b.At(1000);
  for (uint64_t i = 0; i < 100; ++i) b.Alloc(0x10000 + 64 * i, 64, build);  // 6400
  b.Alloc(0x90000, 100, other);
  b.At(2000);
  for (uint64_t i = 0; i < 100; ++i) b.Free(0x10000 + 64 * i);
  for (uint64_t i = 0; i < 50; ++i) b.Alloc(0xa0000 + 64 * i, 64, other);  // 3300: below
  b.End();
  PeakAnalysis peak;
  ReplayOf(b, {&peak});
  const PeakResult r = peak.Result();
  EXPECT_EQ(r.peak_bytes, 6500u);
  EXPECT_EQ(r.peak_blocks, 101u);
  EXPECT_EQ(r.peak_micros, 1000u);
  EXPECT_EQ(r.end_bytes, 3300u);
  EXPECT_EQ(BytesAt(r.profile, "build"), 6400);
  EXPECT_EQ(BytesAt(r.profile, "other"), 100);
  EXPECT_EQ(r.profile.Total().bytes, 6500);
  EXPECT_EQ(r.profile.Total().alloc_bytes, 6400 + 100 + 3200);
}

// A realloc's block is its new size from then on, at the realloc's stack: a
// replay that kept the old size would find the peak at 100 bytes, not 5000.
TEST(PeakTest, AReallocHoldsItsNewSize) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t make = b.Stack({{"make", "a.py", 1}});
  const uint32_t grow = b.Stack({{"grow", "a.py", 2}});
  b.At(1000);
  b.Alloc(0x1000, 100, make, trace::Domain::kMem);
  b.At(2000);
  b.Realloc(0x1000, 0x8000, 5000, grow);  // moved and grown: the peak
  b.At(3000);
  b.Realloc(0x8000, 0x8000, 40, grow);  // shrunk in place
  b.Alloc(0x2000, 60, make, trace::Domain::kMem);
  b.End();
  PeakAnalysis peak;
  auto replay = ReplayOf(b, {&peak});
  const PeakResult r = peak.Result();
  EXPECT_EQ(r.peak_bytes, 5000u);
  EXPECT_EQ(r.peak_micros, 2000u);
  EXPECT_EQ(r.peak_blocks, 1u);
  EXPECT_EQ(BytesAt(r.profile, "grow"), 5000);
  EXPECT_EQ(BytesAt(r.profile, "make"), 0);
  EXPECT_EQ(r.end_bytes, 100u);
  EXPECT_EQ(replay->state().all.heap, 100u);
  EXPECT_EQ(replay->state().all.bytes_allocated, 100u + 5000 + 40 + 60);
}

// Growth with frees in between: every new maximum is committed lazily; the
// answer must equal the state at the last maximum.
TEST(PeakTest, InterleavedGrowthKeepsTheExactState) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t a = b.Stack({{"a", "a.py", 1}});
  const uint32_t c = b.Stack({{"c", "a.py", 2}});
  uint64_t next = 0x100000;
  std::vector<uint64_t> temporary;
  for (int i = 0; i < 1000; ++i) {
    b.Alloc(next, 32, a);  // kept
    next += 32;
    b.Alloc(next, 48, c);  // freed right after
    b.Free(next);
    next += 48;
  }
  b.Alloc(next, 48, c);  // the peak: 1000*32 + 48
  b.Free(next);
  b.End();
  PeakAnalysis peak;
  ReplayOf(b, {&peak});
  const PeakResult r = peak.Result();
  EXPECT_EQ(r.peak_bytes, 32000u + 48);
  EXPECT_EQ(BytesAt(r.profile, "a"), 32000);
  EXPECT_EQ(BytesAt(r.profile, "c"), 48);
}

TEST(PeakTest, AWindowFindsTheHighWaterMarkInsideIt) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t early = b.Stack({{"early", "a.py", 1}});
  const uint32_t late = b.Stack({{"late", "a.py", 2}});
  b.At(1000);
  b.Alloc(0x1000, 10000, early);
  b.At(2000);
  b.Free(0x1000);
  b.At(3000);
  b.Alloc(0x2000, 500, late);
  b.At(4000);
  b.End();
  PeakAnalysis whole;
  PeakAnalysis window(2500, 5000);
  ReplayOf(b, {&whole, &window});
  EXPECT_EQ(whole.Result().peak_bytes, 10000u);
  EXPECT_EQ(window.Result().peak_bytes, 500u);
  EXPECT_EQ(window.Result().peak_micros, 3000u);
  EXPECT_EQ(BytesAt(window.Result().profile, "late"), 500);
  EXPECT_EQ(BytesAt(window.Result().profile, "early"), 0);
}

TEST(PeakTest, ThreadSelectionCountsOnlyItsBlocks) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"f", "a.py", 1}});
  b.Alloc(0x1000, 1000, s);
  b.Thread(2, "worker");
  b.Alloc(0x2000, 30, s);
  b.End();
  Selection only_worker;
  only_worker.threads.emplace();
  only_worker.threads->insert(1);
  PeakAnalysis peak;
  ReplayOf(b, {&peak}, only_worker);
  EXPECT_EQ(peak.Result().peak_bytes, 30u);
}

TEST(PeakTest, FileFiltersSelectStacksByAnyFrame) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t mine = b.Stack({{"main", "/srv/app.py", 1}, {"dumps", "/usr/lib/json.py", 5}});
  const uint32_t lib = b.Stack({{"run", "/usr/lib/runpy.py", 1}, {"g", "/usr/lib/x.py", 9}});
  b.Alloc(0x1000, 100, mine);
  b.Alloc(0x2000, 7, lib);
  b.End();
  Selection include;
  include.include_files = {"/srv/*"};
  PeakAnalysis included;
  ReplayOf(b, {&included}, include);
  EXPECT_EQ(included.Result().peak_bytes, 100u);
  Selection exclude;
  exclude.exclude_files = {"*/json.py"};
  PeakAnalysis excluded;
  ReplayOf(b, {&excluded}, exclude);
  EXPECT_EQ(excluded.Result().peak_bytes, 7u);
}

}  // namespace
}  // namespace arenatrace::analyzer
