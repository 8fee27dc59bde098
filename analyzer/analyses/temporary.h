// `temporary`: allocations freed before their thread allocated anything else
// (heaptrack's definition), or, with `within` N, before it made more than N
// other allocations (memray's), by stack. Reallocs resize; they are never
// counted as temporary.
#ifndef ARENATRACE_ANALYZER_ANALYSES_TEMPORARY_H_
#define ARENATRACE_ANALYZER_ANALYSES_TEMPORARY_H_

#include <cstdint>

#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

class TemporaryAnalysis : public ReplayObserver {
 public:
  explicit TemporaryAnalysis(uint32_t within = 0) : within_(within) {}
  void OnAlloc(uint64_t, const Block& block) override {
    if (block.in_window()) stacks_[block.stack].allocated.Add(block.size, block.count);
  }
  void OnRelease(uint64_t, const Block& block, Release why) override {
    if (why != Release::kFree || !block.in_window()) return;
    // Allocations the thread made after this one (the counter wraps).
    const uint32_t since = state().thread_allocs[block.thread.index()] - block.thread_seq;
    if (since <= within_) stacks_[block.stack].temporary.Add(block.size, block.count);
  }
  void OnEnd() override;

  uint32_t within() const { return within_; }
  // bytes/count: temporary; alloc_*: every allocation of the stack.
  const StackProfile& profile() const { return profile_; }

 private:
  struct StackState {
    Amount allocated;
    Amount temporary;
  };
  uint32_t within_;
  PerStack<StackState> stacks_;
  StackProfile profile_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_TEMPORARY_H_
