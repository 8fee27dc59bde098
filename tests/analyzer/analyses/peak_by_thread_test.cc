// The peak split by thread: the same exact moment as `peak`, each thread's
// blocks under a frame naming it.
#include "analyzer/analyses/peak_by_thread.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "analyzer/analyses/peak.h"
#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;

TEST(PeakByThreadTest, EachThreadsShareAtTheHeapsPeak) {
  TraceBuilder b;
  const uint64_t main = b.Thread(1, "MainThread");
  const uint32_t work = b.Stack({{"work", "a.py", 1}});
  b.Alloc(0x1000, 100, work);
  b.Thread(2, "worker");
  b.Alloc(0x2000, 300, work);  // the peak: 400, MainThread 100, worker 300
  b.Switch(main);
  b.Free(0x1000);
  b.Alloc(0x3000, 50, work);  // 350: below it
  b.End();
  PeakByThreadAnalysis by_thread;
  PeakAnalysis peak;
  ReplayOf(b, {&by_thread, &peak});
  const StackProfile profile = by_thread.result().Split(peak.Result().profile);
  const std::vector<ProfileValues> inclusive = profile.Inclusive();
  std::map<std::string, int64_t> threads;
  for (size_t i = 1; i < profile.nodes().size(); ++i) {
    if (profile.nodes()[i].parent == 0) {
      threads[profile.frames()[profile.nodes()[i].frame].function] = inclusive[i].bytes;
    }
  }
  EXPECT_EQ(threads, (std::map<std::string, int64_t>{{"thread MainThread (1)", 100},
                                                     {"thread worker (2)", 300}}));
  EXPECT_EQ(profile.Total().bytes, static_cast<int64_t>(peak.Result().peak_bytes));
}

}  // namespace
}  // namespace arenatrace::analyzer
