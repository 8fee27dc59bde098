// The replay's arithmetic on hand-built traces: exact totals, peaks, live
// bytes, reallocs with their new size, sampled weights, and refusal of
// records that cannot be in a trace arenatrace wrote.
#include "analyzer/replay/replay.h"

#include <gtest/gtest.h>

#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;

TEST(ReplayTest, PeakIsTheMaximumNotTheLastValue) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"f", "a.py", 3}});
  b.At(1000);
  b.Alloc(0x1000, 100, s);
  b.Alloc(0x2000, 300, s);  // heap 400: the peak
  b.At(2000);
  b.Free(0x2000);
  b.Alloc(0x3000, 50, s);  // heap 150 at the end
  b.End();
  auto replay = ReplayOf(b, {});
  const ReplayState& st = replay->state();
  EXPECT_EQ(st.all.peak_heap, 400u);
  EXPECT_EQ(st.all.peak_micros, 1000u);
  EXPECT_EQ(st.all.heap, 150u);
  EXPECT_EQ(st.all.allocs, 3u);
  EXPECT_EQ(st.all.frees, 1u);
  EXPECT_EQ(st.all.bytes_allocated, 450u);
  EXPECT_EQ(st.seq, 3u);
  EXPECT_TRUE(st.Complete());
}

TEST(ReplayTest, ReallocReplacesTheOldSizeWithTheNew) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"f", "a.py", 3}});
  b.Alloc(0x1000, 100, s, trace::Domain::kMem);
  b.Realloc(0x1000, 0x5000, 1000, s);  // 100 -> 1000 bytes
  b.Realloc(0x5000, 0x5000, 10, s);    // in place, shrunk
  b.End();
  auto replay = ReplayOf(b, {});
  const DomainTotals& mem = replay->state().domains[static_cast<int>(trace::Domain::kMem)];
  EXPECT_EQ(mem.heap, 10u);
  EXPECT_EQ(mem.peak_heap, 1000u);
  EXPECT_EQ(mem.allocs, 1u);
  EXPECT_EQ(mem.reallocs, 2u);
  EXPECT_EQ(mem.frees, 0u);
  EXPECT_EQ(mem.bytes_allocated, 1110u);
  EXPECT_EQ(replay->live().size(), 1u);
  EXPECT_EQ(replay->state().unmatched_frees, 0u);
}

TEST(ReplayTest, FreesOfUnknownBlocksAndOverwrittenBlocksAreCounted) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"f", "a.py", 3}});
  b.Free(0x9000);  // allocated before recording began
  b.Alloc(0x1000, 64, s);
  b.Alloc(0x1000, 32, s);  // its free was not recorded
  b.End();
  auto replay = ReplayOf(b, {});
  EXPECT_EQ(replay->state().unmatched_frees, 1u);
  EXPECT_EQ(replay->state().replaced_blocks, 1u);
  EXPECT_EQ(replay->state().all.heap, 32u);
}

// PyTraceMalloc_Track of a block already tracked updates it, as tracemalloc
// does; Untrack releases traced blocks only; the domain numbers are kept.
TEST(ReplayTest, TracedBlocksFollowTracemallocsRules) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"f", "a.py", 3}});
  b.Alloc(0x1000, 64, s, trace::Domain::kRaw);
  b.Track(0x2000, 40000000, s, trace::kNumpyTracedDomain);
  b.Track(0x2000, 50000000, s, trace::kNumpyTracedDomain);  // numpy's realloc in place
  b.Track(0x3000, 1000, s, 7);
  b.Untrack(0x3000, 7);
  b.Untrack(0x1000, 7);  // never tracked: the RAW block stays
  b.Untrack(0x4000, 7);  // tracked before recording began
  b.End();
  auto replay = ReplayOf(b, {});
  const ReplayState& st = replay->state();
  const DomainTotals& traced = st.domains[static_cast<int>(trace::Domain::kTraced)];
  EXPECT_EQ(traced.allocs, 2u);
  EXPECT_EQ(traced.reallocs, 1u);
  EXPECT_EQ(traced.frees, 3u);
  EXPECT_EQ(traced.heap, 50000000u);
  EXPECT_EQ(traced.peak_heap, 50001000u);
  EXPECT_EQ(traced.bytes_allocated, 90001000u);
  EXPECT_EQ(st.domains[static_cast<int>(trace::Domain::kRaw)].heap, 64u);
  EXPECT_EQ(st.unmatched_frees, 2u);
  EXPECT_EQ(st.replaced_blocks, 0u);
  EXPECT_EQ(st.traced_domains, (std::vector<uint64_t>{trace::kNumpyTracedDomain, 7}));
  ASSERT_NE(replay->LiveBlock(0x2000), nullptr);
  EXPECT_EQ(replay->LiveBlock(0x2000)->domain, trace::Domain::kTraced);
}

TEST(ReplayTest, ATracedReallocIsRefused) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"f", "a.py", 3}});
  b.Track(0x2000, 100, s, 7);
  b.Realloc(0x2000, 0x3000, 200, s, trace::Domain::kTraced);
  b.End();
  auto replay = ReplayOf(b, {});
  EXPECT_EQ(replay->state().stop, trace::ChunkStatus::kDamaged);
  EXPECT_NE(replay->state().problem.find("a reallocation in the traced domain"), std::string::npos)
      << replay->state().problem;
}

TEST(ReplayTest, SampledFreesCountTheBlocksTheyStandFor) {
  TraceBuilder b;
  b.header().sample_bytes = 4096;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"f", "a.py", 3}});
  trace::AllocWeighted sample{trace::Domain::kObj, 0x1000, 64, s, 6400};  // 100 blocks of 64
  b.Put(sample);
  b.Free(0x1000);
  b.End();
  auto replay = ReplayOf(b, {});
  EXPECT_EQ(replay->state().all.allocs, 100u);
  EXPECT_EQ(replay->state().all.frees, 100u);
  EXPECT_EQ(replay->state().all.peak_heap, 6400u);
  EXPECT_EQ(replay->state().sampled_events, 1u);
}

TEST(ReplayTest, StartUpEndsAtTheFirstAllocationOutsideTheImportSystem) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t boot = b.Stack({{"_find_and_load", "<frozen importlib._bootstrap>", 1}});
  const uint32_t site = b.Stack({{"<module>", "<frozen site>", 3}});
  const uint32_t codec = b.Stack({{"search_function", "/usr/lib/encodings/__init__.py", 9}});
  const uint32_t program = b.Stack({{"<module>", "app.py", 1}});
  b.Alloc(0x1000, 16, 0);
  b.Alloc(0x2000, 16, boot);
  b.Alloc(0x3000, 16, site);
  b.Alloc(0x3800, 16, codec);
  b.At(5000);
  b.Alloc(0x4000, 16, program);
  b.Alloc(0x5000, 16, 0);
  b.End();
  auto replay = ReplayOf(b, {});
  EXPECT_EQ(replay->state().startup_end_seq, 5u);
  EXPECT_EQ(replay->state().startup_end_micros, 5000u);
  EXPECT_TRUE(replay->live().at(0x3000).flags & kStartup);
  EXPECT_FALSE(replay->live().at(0x4000).flags & kStartup);
  EXPECT_FALSE(replay->live().at(0x5000).flags & kStartup);
}

// A crafted trace whose checksums are right but whose ids are impossible is
// read up to the bad record, which is reported, and never sizes a table.
void ExpectRefused(TraceBuilder& b, const std::string& why) {
  auto replay = ReplayOf(b, {});
  EXPECT_EQ(replay->state().stop, trace::ChunkStatus::kDamaged);
  EXPECT_NE(replay->state().problem.find(why), std::string::npos) << replay->state().problem;
}

TEST(ReplayTest, HugeIdsAreRefusedNotAllocated) {
  for (uint64_t id : {uint64_t{1} << 40, uint64_t{1} << 62, uint64_t{200000000}}) {
    TraceBuilder b;
    b.Thread(1, "MainThread");
    trace::Stack stack{id, 0, 1};
    b.Put(stack);
    ExpectRefused(b, "stack id " + std::to_string(id));
  }
  TraceBuilder frames;
  frames.Thread(1, "MainThread");
  trace::Frame frame{uint64_t{1} << 40, 1, 3};
  frames.Put(frame);
  ExpectRefused(frames, "frame id");
  TraceBuilder alloc;
  alloc.Thread(1, "MainThread");
  alloc.Alloc(0x1000, 16, 200000000);
  ExpectRefused(alloc, "stack 200000000, which was never defined");
  TraceBuilder thread;
  trace::ThreadSwitch sw{uint64_t{1} << 40};
  thread.Put(sw);
  ExpectRefused(thread, "never started");
}

TEST(ReplayTest, WhatWasReadBeforeTheDamageStays) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"f", "a.py", 3}});
  b.Alloc(0x1000, 100, s);
  b.Chunk();
  b.Alloc(0x2000, 100, 99);  // undefined stack
  auto replay = ReplayOf(b, {});
  EXPECT_EQ(replay->state().stop, trace::ChunkStatus::kDamaged);
  EXPECT_EQ(replay->state().all.heap, 100u);
}

}  // namespace
}  // namespace arenatrace::analyzer
