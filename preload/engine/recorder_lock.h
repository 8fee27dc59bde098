// The recorder's lock, built for the thread that holds the GIL.
//
// Nearly every event comes from the one thread holding the GIL, and the GIL
// already keeps those threads apart: all they need to exclude are the rare
// others (RAW calls made without the GIL, the writer thread, exit and fork
// handlers). So the GIL holder enters with two plain stores and a load, no
// atomic read-modify-write (whose pipeline drain was the costliest
// instruction of the whole event path), and the others pay instead: they
// announce themselves, then make every running thread of the process execute
// a memory barrier with membarrier(2) before looking whether a GIL holder is
// inside — the asymmetric form of Dekker's algorithm (as in liburcu and
// folly's asymmetric fences). Without membarrier (an old kernel, a seccomp
// filter), or once interpreters with their own GIL may run in parallel (the
// GIL then no longer keeps GIL holders apart), the fast entry closes for good
// and everyone takes the same spin lock.
#ifndef ARENATRACE_PRELOAD_ENGINE_RECORDER_LOCK_H_
#define ARENATRACE_PRELOAD_ENGINE_RECORDER_LOCK_H_

#include <atomic>

namespace arenatrace::preload {

class RecorderLock {
 public:
  // Opens the fast entry if membarrier is available. Call while the process
  // has one thread, or at least before anyone uses the lock.
  void Init();

  // For a thread that holds the GIL while no other interpreter can run in
  // parallel. Returns whether it entered the fast way; pass that to
  // UnlockAsGilHolder.
  bool LockAsGilHolder() {
    gil_holder_inside_.store(true, std::memory_order_relaxed);
    // Only the compiler must keep the store above the load below: the CPU's
    // reordering is undone by the membarrier of whoever closed the entry.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (__builtin_expect(!fast_entry_closed_.load(std::memory_order_acquire), 1)) return true;
    gil_holder_inside_.store(false, std::memory_order_release);
    spin_.Lock();
    return false;
  }
  void UnlockAsGilHolder(bool fast) {
    if (__builtin_expect(fast, 1)) {
      gil_holder_inside_.store(false, std::memory_order_release);
    } else {
      spin_.Unlock();
    }
  }

  // For any thread (with or without the GIL).
  void Lock();
  void Unlock();

  // Makes every GIL holder take the spin lock from now on (interpreters with
  // their own GIL appeared, or membarrier failed).
  void CloseFastEntry();

  // In a fork child, which has one thread: unlocked, entry as in the parent
  // (membarrier registration is checked again).
  void ResetInChild();

 private:
  class SpinLock {
   public:
    void Lock();
    void Unlock() { locked_.store(false, std::memory_order_release); }
    void Reset() { locked_.store(false, std::memory_order_relaxed); }

   private:
    std::atomic<bool> locked_{false};
  };

  std::atomic<bool> gil_holder_inside_{false};
  // Closed while another thread holds the lock, and for good when the fast
  // entry is off. Starts closed until Init finds membarrier.
  std::atomic<bool> fast_entry_closed_{true};
  bool fast_entry_enabled_ = false;  // read and written under spin_
  SpinLock spin_;
};

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_RECORDER_LOCK_H_
