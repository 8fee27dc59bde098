#include "preload/engine/recorder_lock.h"

#include <gtest/gtest.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace arenatrace::preload {
namespace {

// Threads that take the GIL-holder entry (kept apart by a mutex standing in
// for the GIL) and threads that take the lock the other way increment one
// plain counter in a read-pause-write that loses updates unless the lock
// excludes them all from one another; an atomic count of threads inside
// catches any overlap, lost update or not.
struct Contenders {
  RecorderLock lock;
  std::mutex gil;
  long counter = 0;
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};

  void Increment() {
    if (inside.fetch_add(1) != 0) ++overlaps;
    const long seen = counter;
    for (int i = 0; i < 400; ++i) __asm__ volatile("pause");
    counter = seen + 1;
    inside.fetch_sub(1);
  }

  long Run(int gil_threads, int other_threads, int rounds) {
    std::vector<std::thread> threads;
    for (int t = 0; t < gil_threads; ++t) {
      threads.emplace_back([this, rounds] {
        for (int r = 0; r < rounds; ++r) {
          std::lock_guard<std::mutex> holding_the_gil(gil);
          const bool fast = lock.LockAsGilHolder();
          Increment();
          lock.UnlockAsGilHolder(fast);
        }
      });
    }
    for (int t = 0; t < other_threads; ++t) {
      threads.emplace_back([this, rounds] {
        for (int r = 0; r < rounds; ++r) {
          lock.Lock();
          Increment();
          lock.Unlock();
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    return counter;
  }
};

TEST(RecorderLockTest, GilHoldersAndOthersExcludeOneAnother) {
  Contenders contenders;
  contenders.lock.Init();
  EXPECT_EQ(contenders.Run(4, 3, 6000), 7 * 6000);
  EXPECT_EQ(contenders.overlaps, 0);
}

TEST(RecorderLockTest, ExcludesBeforeInitAndAfterTheFastEntryCloses) {
  Contenders before_init;  // fast entry closed: everyone spins
  EXPECT_EQ(before_init.Run(3, 2, 3000), 5 * 3000);
  EXPECT_EQ(before_init.overlaps, 0);

  Contenders closed;
  closed.lock.Init();
  closed.lock.CloseFastEntry();
  // Closed for good: even two "GIL holders" that do not share the mutex
  // (interpreters with their own GIL) are kept apart.
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&closed] {
      for (int r = 0; r < 3000; ++r) {
        const bool fast = closed.lock.LockAsGilHolder();
        EXPECT_FALSE(fast);
        closed.Increment();
        closed.lock.UnlockAsGilHolder(fast);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(closed.counter, 2 * 3000);
  EXPECT_EQ(closed.overlaps, 0);
}

TEST(RecorderLockTest, TheGilHolderEntersTheFastWayWhenAlone) {
  const long commands = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  if (commands < 0 || (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) {
    // (a kernel before 4.14, or a seccomp filter): the lock is then correct,
    // only slower, as the other tests show.
    GTEST_SKIP() << "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) is not available here";
  }
  RecorderLock lock;
  lock.Init();
  const bool fast = lock.LockAsGilHolder();
  lock.UnlockAsGilHolder(fast);
  EXPECT_TRUE(fast);
  lock.Lock();
  lock.Unlock();
  EXPECT_TRUE(lock.LockAsGilHolder());  // reopened by Unlock
  lock.UnlockAsGilHolder(true);
}

}  // namespace
}  // namespace arenatrace::preload
