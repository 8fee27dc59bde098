// Crafted traces, with right checksums and impossible ids (the fuzz seeds
// tests/fuzz/corpus/crafted_*.atrace, written by make_seed_corpus.cc): an id
// of 2^40 once ended in bad_alloc, 2^62 in length_error, one Stack id of 2e8
// in a 4.7 GB table. Each must be read up to the bad record and refused in
// one line, without sizing anything by the id.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <string>
#include <vector>

#include "analyzer/analyses/allocated.h"
#include "analyzer/analyses/peak.h"
#include "analyzer/replay/replay.h"

namespace arenatrace::analyzer {
namespace {

long MaxRssKiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(CraftedTracesTest, ImpossibleIdsAreRefusedInOneLineWithoutAllocating) {
  const std::filesystem::path corpus =
      std::filesystem::path(ARENATRACE_SOURCE_DIR) / "tests" / "fuzz" / "corpus";
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"crafted_stack_id_2e40.atrace", "stack id 1099511627776 where the next one is 2"},
      {"crafted_stack_id_2e62.atrace", "stack id 4611686018427387904 where the next one is 2"},
      {"crafted_stack_id_2e8.atrace", "stack id 200000000 where the next one is 2"},
      {"crafted_stack_parent_2e62.atrace", "has parent 4611686018427387904, which was never"},
      {"crafted_frame_id_2e40.atrace", "frame id 1099511627776 where the next one is 2"},
      {"crafted_alloc_stack_2e8.atrace", "refers to stack 200000000, which was never defined"},
      {"crafted_thread_2e40.atrace", "thread 1099511627776 starts where the next one is 1"},
      {"crafted_thread_switch_2e62.atrace", "events of thread 4611686018427387904, which never"},
  };
  const long rss_before = MaxRssKiB();
  for (const auto& [name, why] : seeds) {
    SCOPED_TRACE(name);
    AllocatedAnalysis allocated;
    PeakAnalysis peak;
    Replay replay;
    replay.Add(&allocated);
    replay.Add(&peak);
    std::string error;
    ASSERT_TRUE(replay.Run((corpus / name).string(), &error))
        << error << " (rewrite the seeds: tests/fuzz/make_seed_corpus.cc)";
    const ReplayState& state = replay.state();
    EXPECT_EQ(state.stop, trace::ChunkStatus::kDamaged);
    EXPECT_NE(state.problem.find(why), std::string::npos) << state.problem;
    EXPECT_EQ(state.problem.find('\n'), std::string::npos) << state.problem;
    // What came before the bad record was read.
    EXPECT_EQ(state.all.allocs, 1u);
    EXPECT_EQ(state.symbols.stack_count(), 2u);
    peak.Result();
  }
  // A table sized by any of these ids would take gigabytes.
  EXPECT_LT(MaxRssKiB() - rss_before, 64 * 1024);
}

}  // namespace
}  // namespace arenatrace::analyzer
