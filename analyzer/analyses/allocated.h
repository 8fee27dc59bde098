// `allocated`: every allocation of the selection in the window, by stack (a
// realloc counts as an allocation of its new size).
#ifndef ARENATRACE_ANALYZER_ANALYSES_ALLOCATED_H_
#define ARENATRACE_ANALYZER_ANALYSES_ALLOCATED_H_

#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

class AllocatedAnalysis : public ReplayObserver {
 public:
  uint8_t block_calls() const override { return kAllocCalls; }
  void OnAlloc(uint64_t, const Block& block) override {
    if (block.in_window()) allocated_[block.stack].Add(block.size, block.count);
  }
  void OnEnd() override;
  // bytes/count and alloc_* alike: allocated.
  const StackProfile& profile() const { return profile_; }

 private:
  PerStack<Amount> allocated_;
  StackProfile profile_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_ALLOCATED_H_
