// `temporary`: heaptrack's definition (no allocation of the thread in
// between) and memray's (--within N), per thread.
#include "analyzer/analyses/temporary.h"

#include <gtest/gtest.h>

#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;

TEST(TemporaryTest, FreedBeforeTheThreadsNextAllocation) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t tmp = b.Stack({{"f", "a.py", 1}});
  const uint32_t kept = b.Stack({{"g", "a.py", 2}});
  for (uint64_t i = 0; i < 300; ++i) {  // 300 temporaries
    b.Alloc(0x1000, 40, tmp);
    b.Free(0x1000);
  }
  for (uint64_t i = 0; i < 10; ++i) {  // one allocation in between: not temporary
    b.Alloc(0x2000, 40, tmp);
    b.Alloc(0x3000 + 16 * i, 16, kept);
    b.Free(0x2000);
  }
  // Another thread's allocation in between does not count.
  b.Alloc(0x4000, 40, tmp);
  const uint64_t other = b.Thread(2, "worker");
  b.Alloc(0x5000, 8, kept);
  b.Switch(0);
  b.Free(0x4000);
  (void)other;
  b.End();
  TemporaryAnalysis strict(0);
  TemporaryAnalysis within(1);
  ReplayOf(b, {&strict, &within});
  EXPECT_EQ(strict.profile().Total().count, 301);
  EXPECT_EQ(strict.profile().Total().bytes, 301 * 40);
  EXPECT_EQ(strict.profile().Total().alloc_count, 311);
  EXPECT_EQ(within.profile().Total().count, 311);
}

TEST(TemporaryTest, ReallocsAreNeverTemporary) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t s = b.Stack({{"f", "a.py", 1}});
  b.Alloc(0x1000, 40, s, trace::Domain::kMem);
  b.Realloc(0x1000, 0x2000, 400, s);
  b.End();
  TemporaryAnalysis temporary;
  ReplayOf(b, {&temporary});
  EXPECT_EQ(temporary.profile().Total().count, 0);
}

}  // namespace
}  // namespace arenatrace::analyzer
