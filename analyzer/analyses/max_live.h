// The most each stack ever held live at once (of the selected blocks): an
// upper bound of what any moment's flame graph can show for it, so that a
// tree pruned by it keeps every node that is wide at some moment. The first
// pass of the temporal view (temporal_peaks.h) chooses its nodes from it.
#ifndef ARENATRACE_ANALYZER_ANALYSES_MAX_LIVE_H_
#define ARENATRACE_ANALYZER_ANALYSES_MAX_LIVE_H_

#include <cstdint>

#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

class MaxLiveAnalysis : public ReplayObserver {
 public:
  void OnAlloc(uint64_t, const Block& block) override;
  void OnRelease(uint64_t, const Block& block, Release) override {
    stacks_[block.stack].live.Remove(block.size, block.count);
  }
  void OnEnd() override;
  // bytes/count: the stack's most live bytes, and its blocks then.
  const StackProfile& profile() const { return profile_; }

 private:
  struct StackState {
    Amount live;
    Amount most;
  };
  PerStack<StackState> stacks_;
  StackProfile profile_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_MAX_LIVE_H_
