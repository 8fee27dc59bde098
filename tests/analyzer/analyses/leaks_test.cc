// `leaks` verdicts on hand-built runs: steady growth is a leak, a level
// reached early is a plateau, churn is nothing, start-up and finalisation
// are apart, and what finalisation frees is said.
#include "analyzer/analyses/leaks.h"

#include <gtest/gtest.h>

#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;

const LeakVerdict* VerdictAt(const LeaksResult& r, uint64_t line) {
  for (const LeakVerdict& v : r.verdicts) {
    if (v.site.line == line) return &v;
  }
  return nullptr;
}

// One leaking line, one churning line, one cache filled at the start; the
// leak and the cache are freed at exit, the start-up block never.
void LeakChurnCache(TraceBuilder& b, bool finalise) {
  b.Thread(1, "MainThread");
  const uint32_t boot = b.Stack({{"_find_and_load", "<frozen importlib._bootstrap>", 1}});
  const uint32_t leak = b.Stack({{"<module>", "app.py", 1}, {"leak", "app.py", 10}});
  const uint32_t churn = b.Stack({{"<module>", "app.py", 1}, {"churn", "app.py", 20}});
  const uint32_t cache = b.Stack({{"<module>", "app.py", 1}, {"fill", "app.py", 30}});
  b.Alloc(0x100, 5000, boot);
  for (uint64_t i = 0; i < 200; ++i) b.Alloc(0x200000 + 64 * i, 64, cache);
  uint64_t leaked = 0x400000;
  for (int round = 0; round < 4000; ++round) {
    if (round % 100 == 0) b.At(1000 + round);
    for (uint64_t i = 0; i < 5; ++i) b.Alloc(0x800000 + 32 * i, 32, churn);
    for (uint64_t i = 0; i < 5; ++i) b.Free(0x800000 + 32 * i);
    b.Alloc(leaked, 48, leak);
    leaked += 48;
  }
  if (finalise) {
    b.Finalizing();
    for (uint64_t a = 0x400000; a < leaked; a += 48) b.Free(a);
    for (uint64_t i = 0; i < 200; ++i) b.Free(0x200000 + 64 * i);
    b.Alloc(0x900000, 100, cache);  // during finalisation
    b.End();
  }
}

TEST(LeaksTest, OnlyTheSteadilyGrowingLineIsALeak) {
  TraceBuilder b;
  LeakChurnCache(b, true);
  LeaksAnalysis leaks;
  ReplayOf(b, {&leaks});
  const LeaksResult& r = leaks.result();
  ASSERT_FALSE(r.verdicts.empty());
  const LeakVerdict& top = r.verdicts.front();
  EXPECT_EQ(top.kind, LeakKind::kLeak);
  EXPECT_EQ(top.site.line, 10u);
  EXPECT_EQ(top.live.count, 4000);
  EXPECT_EQ(top.live.bytes, 4000 * 48);
  EXPECT_GT(top.confidence, 0.9);
  EXPECT_EQ(top.ExitState(), "freed at exit");
  int leaks_called = 0;
  for (const LeakVerdict& v : r.verdicts) leaks_called += v.kind == LeakKind::kLeak;
  EXPECT_EQ(leaks_called, 1);
  EXPECT_EQ(VerdictAt(r, 20), nullptr);  // churn leaves nothing alive
  const LeakVerdict* cache = VerdictAt(r, 30);
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->kind, LeakKind::kPlateau);
  EXPECT_EQ(cache->live.bytes, 200 * 64);
  // Start-up and finalisation, apart.
  EXPECT_EQ(r.startup_live.bytes, 5000);
  EXPECT_EQ(r.teardown_allocated.bytes, 100);
  EXPECT_EQ(r.program_live.bytes, 4000 * 48 + 200 * 64);
  EXPECT_TRUE(r.exit_known);
}

TEST(LeaksTest, WithoutFinalisationTheEndOfTheTraceIsTheProgramsEnd) {
  TraceBuilder b;
  LeakChurnCache(b, false);
  LeaksAnalysis leaks;
  ReplayOf(b, {&leaks});
  const LeaksResult& r = leaks.result();
  ASSERT_FALSE(r.verdicts.empty());
  EXPECT_EQ(r.verdicts.front().site.line, 10u);
  EXPECT_EQ(r.verdicts.front().kind, LeakKind::kLeak);
  EXPECT_FALSE(r.exit_known);
  EXPECT_EQ(r.verdicts.front().ExitState().rfind("unknown", 0), 0u);
}

TEST(LeaksTest, NeverFreedIsSaidWhenFinalisationKeepsIt) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"<module>", "app.py", 1}, {"f", "app.py", 5}});
  for (uint64_t i = 0; i < 10; ++i) b.Alloc(0x1000 + 16 * i, 16, s);
  b.Finalizing();
  b.Free(0x1000);
  b.End();
  LeaksAnalysis leaks;
  ReplayOf(b, {&leaks});
  const LeakVerdict* v = VerdictAt(leaks.result(), 5);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->live.count, 10);
  EXPECT_EQ(v->freed_at_exit.count, 1);
  EXPECT_EQ(v->ExitState(), "partly freed at exit");
}

}  // namespace
}  // namespace arenatrace::analyzer
