// `generations`: survivors of each marked phase, by allocation sequence, and
// the GC's per-generation counts and freed sites.
#include "analyzer/analyses/generations.h"

#include <gtest/gtest.h>

#include "analyzer/analyses/gc.h"
#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;

TEST(GenerationsTest, OnlyThePhaseThatLeaksHasSurvivors) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t p1 = b.Stack({{"<module>", "app.py", 1}, {"one", "app.py", 10}});
  const uint32_t p2 = b.Stack({{"<module>", "app.py", 1}, {"two", "app.py", 20}});
  const uint32_t p3 = b.Stack({{"<module>", "app.py", 1}, {"three", "app.py", 30}});
  b.Mark("start");
  for (uint64_t i = 0; i < 10; ++i) b.Alloc(0x1000, 100, p1), b.Free(0x1000);
  b.Mark("phase 2");
  // The same address, reused: phases are told apart by sequence, not address.
  for (uint64_t i = 0; i < 5; ++i) b.Alloc(0x1000 + 0x100 * i, 64, p2);
  b.Mark("phase 3");
  for (uint64_t i = 0; i < 10; ++i) b.Alloc(0x9000, 100, p3), b.Free(0x9000);
  b.Finalizing();
  b.End();
  GenerationsAnalysis generations;
  ReplayOf(b, {&generations});
  const GenerationsResult& r = generations.result();
  ASSERT_EQ(r.phases.size(), 4u);       // before "start", and after each of the three marks
  ASSERT_EQ(r.checkpoints.size(), 5u);  // three marks, program end, exit
  const auto& phase2 = r.phases[2];
  EXPECT_EQ(phase2.label, "after mark 'phase 2'");
  EXPECT_EQ(phase2.allocated.count, 5);
  ASSERT_EQ(phase2.survivors.size(), 3u);  // at "phase 3", program end, exit
  EXPECT_EQ(phase2.alive.back().bytes, 5 * 64);
  ASSERT_EQ(phase2.survivors.back().size(), 1u);
  EXPECT_EQ(phase2.survivors.back()[0].site.line, 20u);
  EXPECT_EQ(r.phases[1].alive.back().count, 0);
  EXPECT_EQ(r.phases[3].alive.back().count, 0);
  EXPECT_EQ(r.phases[1].allocated.count, 10);
}

TEST(GcTest, BytesFreedInsideCollectionsByTheirSite) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t cycles = b.Stack({{"make_cycles", "app.py", 7}});
  for (uint64_t i = 0; i < 20; ++i) b.Alloc(0x1000 + 64 * i, 64, cycles);
  b.At(1000);
  trace::GcStart start{2};
  b.Put(start);
  for (uint64_t i = 0; i < 20; ++i) b.Free(0x1000 + 64 * i);
  b.At(4000);
  trace::GcStop stop{2, 20, 0};
  b.Put(stop);
  b.End();
  GcAnalysis gc;
  ReplayOf(b, {&gc});
  const GcResult& r = gc.result();
  ASSERT_EQ(r.generations.size(), 3u);
  EXPECT_EQ(r.generations[2].collections, 1u);
  EXPECT_EQ(r.generations[2].collected, 20u);
  EXPECT_EQ(r.generations[2].micros, 3000u);
  EXPECT_EQ(r.generations[2].freed.bytes, 20 * 64);
  const auto sites = BySite(r.freed);
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_EQ(r.freed.frames()[sites[0].frame].function, "make_cycles");
}

}  // namespace
}  // namespace arenatrace::analyzer
