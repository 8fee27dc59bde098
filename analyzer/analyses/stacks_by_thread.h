// `allocated`, `temporary` and `leaks` split by thread, for the page's thread
// menu: the same rules as allocated.h, temporary.h and leaks.h (each block
// counts for the thread that allocated it), kept per (thread, stack) pair for
// the threads after the first (thread_split.h: the first thread's part is the
// unsplit profile less theirs). The peak's own split is peak_by_thread.h: its
// moment needs its own bookkeeping.
#ifndef ARENATRACE_ANALYZER_ANALYSES_STACKS_BY_THREAD_H_
#define ARENATRACE_ANALYZER_ANALYSES_STACKS_BY_THREAD_H_

#include <cstdint>

#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/thread_split.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

class AllocatedByThreadAnalysis : public ReplayObserver {
 public:
  void OnAlloc(uint64_t, const Block& block) override {
    if (!block.in_window()) return;
    if (Amount* a = split_.Of(block)) a->Add(block.size, block.count);
  }
  void OnEnd() override;
  // Split(AllocatedAnalysis::profile()) is the split profile.
  const ThreadSplitResult& result() const { return result_; }

 private:
  ThreadSplit<Amount> split_;
  ThreadSplitResult result_;
};

class TemporaryByThreadAnalysis : public ReplayObserver {
 public:
  explicit TemporaryByThreadAnalysis(uint32_t within = 0) : within_(within) {}
  void OnRelease(uint64_t, const Block& block, Release why) override {
    if (why != Release::kFree || !block.in_window()) return;
    const uint32_t since = state().thread_allocs[block.thread.index()] - block.thread_seq;
    if (since > within_) return;
    if (Amount* a = split_.Of(block)) a->Add(block.size, block.count);
  }
  void OnEnd() override;
  // Split(TemporaryAnalysis::profile()), with the same `within`.
  const ThreadSplitResult& result() const { return result_; }

 private:
  uint32_t within_;
  ThreadSplit<Amount> split_;
  ThreadSplitResult result_;
};

// What the program's own code left alive, by the thread that allocated it
// (start-up's and finalisation's blocks left out, as `leaks` does).
class LeaksByThreadAnalysis : public ReplayObserver {
 public:
  void OnAlloc(uint64_t, const Block& block) override {
    if (program_ended_ || !Counted(block)) return;
    if (Values* v = split_.Of(block)) v->live.Add(block.size, block.count);
  }
  void OnRelease(uint64_t, const Block& block, Release) override {
    if (program_ended_ || !Counted(block)) return;
    if (Values* v = split_.Of(block)) v->live.Remove(block.size, block.count);
  }
  void OnFinalizing() override { SnapshotProgramEnd(); }
  void OnEnd() override;
  // Split(LeaksResult::profile).
  const ThreadSplitResult& result() const { return result_; }

 private:
  struct Values {
    Amount live;
    Amount at_end;
  };
  static bool Counted(const Block& block) {
    return block.in_window() && !(block.flags & (kStartup | kTeardown));
  }
  void SnapshotProgramEnd();

  bool program_ended_ = false;
  ThreadSplit<Values> split_;
  ThreadSplitResult result_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_STACKS_BY_THREAD_H_
