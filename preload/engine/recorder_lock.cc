#include "preload/engine/recorder_lock.h"

#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace arenatrace::preload {
namespace {

bool RegisterMembarrier() {
  const long commands = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  if (commands < 0 || (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
  return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

// Every running thread of the process executes a full memory barrier before
// this returns (threads not running pass one when they are scheduled).
bool EveryThreadFences() {
  return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
}

inline void CpuRelax() { __builtin_ia32_pause(); }

}  // namespace

void RecorderLock::SpinLock::Lock() {
  for (unsigned spins = 0; locked_.exchange(true, std::memory_order_acquire); ++spins) {
    while (locked_.load(std::memory_order_relaxed)) {
      if (++spins > 64) {
        sched_yield();
      } else {
        CpuRelax();
      }
    }
  }
}

void RecorderLock::Init() {
  spin_.Lock();
  fast_entry_enabled_ = RegisterMembarrier();
  fast_entry_closed_.store(!fast_entry_enabled_, std::memory_order_release);
  spin_.Unlock();
}

void RecorderLock::Lock() {
  spin_.Lock();
  if (!fast_entry_enabled_) return;
  fast_entry_closed_.store(true, std::memory_order_relaxed);
  if (__builtin_expect(!EveryThreadFences(), 0)) {
    // Cannot happen once registered, but if it did: close the fast entry for
    // good and give a GIL holder that missed the closing time to show itself
    // (store buffers drain in far less than a millisecond).
    fast_entry_enabled_ = false;
    std::atomic_thread_fence(std::memory_order_seq_cst);
    usleep(1000);
  }
  for (unsigned spins = 0; gil_holder_inside_.load(std::memory_order_acquire); ++spins) {
    if (spins > 64) {
      sched_yield();
    } else {
      CpuRelax();
    }
  }
}

void RecorderLock::Unlock() {
  if (fast_entry_enabled_) fast_entry_closed_.store(false, std::memory_order_release);
  spin_.Unlock();
}

void RecorderLock::CloseFastEntry() {
  Lock();  // closed now, and no GIL holder inside
  fast_entry_enabled_ = false;
  spin_.Unlock();  // without reopening
}

void RecorderLock::ResetInChild() {
  spin_.Reset();
  gil_holder_inside_.store(false, std::memory_order_relaxed);
  // Registration belongs to the address space; a fork child's is a copy, and
  // registering again is cheap and certain.
  if (fast_entry_enabled_ && !RegisterMembarrier()) fast_entry_enabled_ = false;
  fast_entry_closed_.store(!fast_entry_enabled_, std::memory_order_release);
}

}  // namespace arenatrace::preload
