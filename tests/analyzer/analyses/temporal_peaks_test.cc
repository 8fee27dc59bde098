// The temporal view's buckets on a hand-built trace: each bucket's highest
// moment, exactly, and only the nodes that changed stored.
#include "analyzer/analyses/temporal_peaks.h"

#include <gtest/gtest.h>

#include <map>

#include "analyzer/analyses/max_live.h"
#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;
using Deltas = std::vector<std::pair<uint32_t, int64_t>>;

TEST(TemporalPeaksTest, EachBucketKeepsItsHighestMomentAsDeltas) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t a = b.Stack({{"a", "a.py", 1}});
  const uint32_t c = b.Stack({{"c", "a.py", 2}});
  b.At(500);  // bucket 0: 100 at a, freed again
  b.Alloc(0x1000, 100, a);
  b.Free(0x1000);
  b.At(1000);  // bucket 1: 350 at its highest (a 50, c 300)
  b.Alloc(0x2000, 300, c);
  b.Alloc(0x3000, 50, a);
  b.At(1500);
  b.Free(0x2000);
  b.At(3000);  // bucket 2 saw nothing; bucket 3: c 20 more
  b.Alloc(0x4000, 20, c);
  b.At(4000);
  b.End();
  std::vector<uint32_t> node_of_stack(std::max(a, c) + 1, 0);
  node_of_stack[a] = 1;
  node_of_stack[c] = 2;
  TemporalPeaksAnalysis temporal(node_of_stack, 3, 4000, 4);
  ReplayOf(b, {&temporal});
  const std::vector<TemporalBucket>& buckets = temporal.buckets();
  ASSERT_EQ(buckets.size(), 4u);
  EXPECT_EQ(buckets[0].peak_bytes, 100u);
  EXPECT_EQ(buckets[0].peak_micros, 500u);
  EXPECT_EQ(buckets[0].deltas, (Deltas{{1, 100}}));
  EXPECT_EQ(buckets[1].from_micros, 1000u);
  EXPECT_EQ(buckets[1].peak_bytes, 350u);
  EXPECT_EQ(buckets[1].peak_micros, 1000u);
  EXPECT_EQ(buckets[1].deltas, (Deltas{{1, -50}, {2, 300}}));
  // A bucket with no event: the heap as it stood, c's 300 gone.
  EXPECT_EQ(buckets[2].peak_bytes, 50u);
  EXPECT_EQ(buckets[2].peak_micros, 2000u);
  EXPECT_EQ(buckets[2].deltas, (Deltas{{2, -300}}));
  EXPECT_EQ(buckets[3].peak_bytes, 70u);
  EXPECT_EQ(buckets[3].deltas, (Deltas{{2, 20}}));
  EXPECT_EQ(buckets[3].to_micros, 4000u);
}

// Against a brute force: at every event, the live bytes per node; each
// bucket's highest moment must match, values summed from the deltas.
TEST(TemporalPeaksTest, MatchesABruteForceOnInterleavedChurn) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  std::vector<uint32_t> stacks;
  for (uint32_t i = 0; i < 5; ++i) {
    stacks.push_back(b.Stack({{"main", "a.py", 1}, {"f" + std::to_string(i), "a.py", 10 + i}}));
  }
  uint32_t max_stack = 0;
  for (uint32_t s : stacks) max_stack = std::max(max_stack, s);
  std::vector<uint32_t> node_of_stack(max_stack + 1, 0);
  for (uint32_t i = 0; i < 5; ++i) node_of_stack[stacks[i]] = i + 1;

  constexpr uint64_t kDuration = 10000;
  constexpr uint32_t kBuckets = 10;
  std::map<uint64_t, std::pair<uint64_t, uint32_t>> live;  // address -> (size, node)
  struct Best {
    uint64_t heap = 0;
    std::vector<int64_t> nodes = std::vector<int64_t>(6);
    bool seen = false;
  };
  std::vector<Best> best(kBuckets);
  std::vector<int64_t> now_nodes(6);
  uint64_t heap = 0, seed = 12345;
  auto random = [&seed] {
    return (seed = seed * 6364136223846793005ull + 1442695040888963407ull) >> 33;
  };
  auto note = [&](uint64_t micros) {
    Best& bucket = best[std::min<uint64_t>(micros * kBuckets / kDuration, kBuckets - 1)];
    if (!bucket.seen || heap > bucket.heap) bucket = {heap, now_nodes, true};
  };
  uint64_t next_address = 0x10000;
  for (uint64_t t = 0; t < kDuration; t += 7) {
    b.At(t);
    note(t);
    if (live.empty() || random() % 3 != 0) {
      const uint32_t i = random() % 5;
      const uint64_t size = 16 + random() % 200;
      b.Alloc(next_address, size, stacks[i]);
      live[next_address] = {size, i + 1};
      now_nodes[i + 1] += static_cast<int64_t>(size);
      heap += size;
      next_address += 256;
    } else {
      auto it = live.begin();
      std::advance(it, random() % live.size());
      b.Free(it->first);
      now_nodes[it->second.second] -= static_cast<int64_t>(it->second.first);
      heap -= it->second.first;
      live.erase(it);
    }
    note(t);
  }
  b.End();
  TemporalPeaksAnalysis temporal(node_of_stack, 6, kDuration, kBuckets);
  ReplayOf(b, {&temporal});
  ASSERT_EQ(temporal.buckets().size(), kBuckets);
  std::vector<int64_t> summed(6);
  for (uint32_t k = 0; k < kBuckets; ++k) {
    const TemporalBucket& bucket = temporal.buckets()[k];
    for (const auto& [node, delta] : bucket.deltas) summed[node] += delta;
    EXPECT_EQ(bucket.peak_bytes, best[k].heap) << "bucket " << k;
    EXPECT_EQ(summed, best[k].nodes) << "bucket " << k;
  }
}

TEST(MaxLiveTest, TheMostEachStackHeldAtOnce) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t a = b.Stack({{"a", "a.py", 1}});
  b.Alloc(0x1000, 100, a);
  b.Alloc(0x2000, 100, a);
  b.Free(0x1000);
  b.Free(0x2000);
  b.Alloc(0x3000, 150, a);
  b.End();
  MaxLiveAnalysis most;
  ReplayOf(b, {&most});
  EXPECT_EQ(most.profile().Total().bytes, 200);
  EXPECT_EQ(most.profile().Total().count, 2);
}

}  // namespace
}  // namespace arenatrace::analyzer
