// `allocated`, `temporary` and `leaks` split by thread, for the page's thread
// menu: the same rules as allocated.h, temporary.h and leaks.h (each block is
// counted by the thread that allocated it), kept per (thread, stack) pair, and
// each profile with the thread's stacks under a frame naming the thread. The
// peak's own split is peak_by_thread.h: its moment needs its own bookkeeping.
#ifndef ARENATRACE_ANALYZER_ANALYSES_STACKS_BY_THREAD_H_
#define ARENATRACE_ANALYZER_ANALYSES_STACKS_BY_THREAD_H_

#include <cstdint>

#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/analyses/thread_split.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

class AllocatedByThreadAnalysis : public ReplayObserver {
 public:
  void OnAlloc(uint64_t, const Block& block) override {
    if (block.in_window()) split_[block].Add(block.size, block.count);
  }
  void OnEnd() override;
  const StackProfile& profile() const { return profile_; }

 private:
  ThreadSplit<Amount> split_;
  StackProfile profile_;
};

class TemporaryByThreadAnalysis : public ReplayObserver {
 public:
  explicit TemporaryByThreadAnalysis(uint32_t within = 0) : within_(within) {}
  void OnAlloc(uint64_t, const Block& block) override {
    if (block.in_window()) split_[block].allocated.Add(block.size, block.count);
  }
  void OnRelease(uint64_t, const Block& block, Release why) override {
    if (why != Release::kFree || !block.in_window()) return;
    const uint32_t since = state().thread_allocs[block.thread.index()] - block.thread_seq;
    if (since <= within_) split_[block].temporary.Add(block.size, block.count);
  }
  void OnEnd() override;
  const StackProfile& profile() const { return profile_; }

 private:
  struct Values {
    Amount allocated;
    Amount temporary;
  };
  uint32_t within_;
  ThreadSplit<Values> split_;
  StackProfile profile_;
};

// What the program's own code left alive, by the thread that allocated it
// (start-up's and finalisation's blocks left out, as `leaks` does).
class LeaksByThreadAnalysis : public ReplayObserver {
 public:
  void OnAlloc(uint64_t, const Block& block) override;
  void OnRelease(uint64_t, const Block& block, Release why) override;
  void OnFinalizing() override { SnapshotProgramEnd(); }
  void OnEnd() override;
  const StackProfile& profile() const { return profile_; }

 private:
  struct Values {
    Amount live;
    Amount allocated;
    Amount at_end;
  };
  static bool Counted(const Block& block) {
    return block.in_window() && !(block.flags & (kStartup | kTeardown));
  }
  void SnapshotProgramEnd();

  bool program_ended_ = false;
  ThreadSplit<Values> split_;
  StackProfile profile_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_STACKS_BY_THREAD_H_
