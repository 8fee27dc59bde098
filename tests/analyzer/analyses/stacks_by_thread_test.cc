// allocated, temporary and leaks split by thread: each thread's share under
// a frame naming it, and the shares adding up to the unsplit analysis.
#include "analyzer/analyses/stacks_by_thread.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "analyzer/analyses/allocated.h"
#include "analyzer/analyses/leaks.h"
#include "analyzer/analyses/temporary.h"
#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;

// Bytes under each thread's frame.
std::map<std::string, int64_t> BytesByThread(const StackProfile& profile) {
  const std::vector<ProfileValues> inclusive = profile.Inclusive();
  std::map<std::string, int64_t> threads;
  for (size_t i = 1; i < profile.nodes().size(); ++i) {
    if (profile.nodes()[i].parent == 0) {
      threads[profile.frames()[profile.nodes()[i].frame].function] = inclusive[i].bytes;
    }
  }
  return threads;
}

// Two threads share a stack; each frees its last block before allocating
// again (temporaries); the program's own code leaves one block of each
// alive, and the worker allocates during finalisation, which no leak counts.
void WriteTwoThreads(TraceBuilder& b) {
  const uint64_t main = b.Thread(1, "MainThread");
  const uint32_t work = b.Stack({{"<module>", "a.py", 9}, {"work", "a.py", 1}});
  const uint32_t other =
      b.Stack({{"<module>", "a.py", 9}, {"work", "a.py", 1}, {"other", "a.py", 5}});
  b.Alloc(0x1000, 100, work);
  const uint64_t worker = b.Thread(2, "worker");
  b.Alloc(0x2000, 300, work);
  b.Alloc(0x3000, 40, other);
  b.Switch(main);
  b.Free(0x1000);  // nothing else allocated on MainThread since: temporary
  b.Alloc(0x4000, 7, other);
  b.Switch(worker);
  b.Free(0x3000);  // the worker allocated 0x2000... then 0x3000 last: temporary too
  b.Finalizing();
  b.Alloc(0x5000, 1000, work);  // finalisation's: never a leak
  b.Switch(main);
  b.Free(0x4000);  // freed at exit: left alive by the program's own code all the same
  b.End();
}

TEST(StacksByThreadTest, AllocatedByThread) {
  TraceBuilder b;
  WriteTwoThreads(b);
  AllocatedByThreadAnalysis by_thread;
  AllocatedAnalysis allocated;
  ReplayOf(b, {&by_thread, &allocated});
  const StackProfile split = by_thread.result().Split(allocated.profile());
  EXPECT_EQ(BytesByThread(split), (std::map<std::string, int64_t>{{"thread MainThread (1)", 107},
                                                                  {"thread worker (2)", 1340}}));
  EXPECT_EQ(split.Total().bytes, allocated.profile().Total().bytes);
}

TEST(StacksByThreadTest, TemporaryByThread) {
  TraceBuilder b;
  WriteTwoThreads(b);
  TemporaryByThreadAnalysis by_thread;
  TemporaryAnalysis temporary;
  ReplayOf(b, {&by_thread, &temporary});
  const StackProfile split = by_thread.result().Split(temporary.profile());
  EXPECT_EQ(BytesByThread(split), (std::map<std::string, int64_t>{{"thread MainThread (1)", 107},
                                                                  {"thread worker (2)", 40}}));
  EXPECT_EQ(split.Total().bytes, temporary.profile().Total().bytes);
  EXPECT_EQ(split.Total().alloc_bytes, 0);  // the split is bytes and count only
}

TEST(StacksByThreadTest, LeaksByThread) {
  TraceBuilder b;
  WriteTwoThreads(b);
  LeaksByThreadAnalysis by_thread;
  LeaksAnalysis leaks;
  ReplayOf(b, {&by_thread, &leaks});
  const StackProfile split = by_thread.result().Split(leaks.result().profile);
  EXPECT_EQ(BytesByThread(split), (std::map<std::string, int64_t>{{"thread MainThread (1)", 7},
                                                                  {"thread worker (2)", 300}}));
  EXPECT_EQ(split.Total().bytes, leaks.result().profile.Total().bytes);
  EXPECT_EQ(split.Total().count, leaks.result().profile.Total().count);
}

// One thread: nothing is kept while the trace is replayed, and the split is
// the whole under that thread's frame.
TEST(StacksByThreadTest, OneThreadKeepsNoPairs) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t work = b.Stack({{"<module>", "a.py", 9}, {"work", "a.py", 1}});
  b.Alloc(0x1000, 100, work);
  b.Alloc(0x2000, 50, work);
  b.Free(0x2000);
  b.End();
  AllocatedByThreadAnalysis by_thread;
  AllocatedAnalysis allocated;
  ReplayOf(b, {&by_thread, &allocated});
  EXPECT_EQ(by_thread.result().others.nodes().size(), 1u);  // the root alone
  EXPECT_EQ(BytesByThread(by_thread.result().Split(allocated.profile())),
            (std::map<std::string, int64_t>{{"thread MainThread (1)", 150}}));
}

}  // namespace
}  // namespace arenatrace::analyzer
