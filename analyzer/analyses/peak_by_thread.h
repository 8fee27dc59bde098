// The heap at its peak split by thread: the same exact high-water moment as
// `peak` (peak.h, the same lazy copy of what changed), with each thread's
// share under a frame naming the thread, so that a page can show one
// thread's part of the peak (thread_split.h: what is kept is the other
// threads' part, the first thread's is the peak's less theirs).
#ifndef ARENATRACE_ANALYZER_ANALYSES_PEAK_BY_THREAD_H_
#define ARENATRACE_ANALYZER_ANALYSES_PEAK_BY_THREAD_H_

#include <cstdint>
#include <vector>

#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/analyses/thread_split.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

class PeakByThreadAnalysis : public ReplayObserver {
 public:
  // The same window as PeakAnalysis's.
  PeakByThreadAnalysis(uint64_t from_micros = 0, uint64_t to_micros = UINT64_MAX,
                       uint64_t after_seq = 0, uint64_t to_seq = UINT64_MAX)
      : from_(from_micros), to_(to_micros), after_seq_(after_seq), to_seq_(to_seq) {}

  void OnAlloc(uint64_t address, const Block& block) override;
  void OnRelease(uint64_t address, const Block& block, Release why) override;
  void OnTime(uint64_t micros) override;
  void OnEnd() override;

  // Split(PeakResult::profile) is the peak with each thread's stacks under
  // a frame naming the thread ("thread NAME (native id)", no file).
  const ThreadSplitResult& result() const { return result_; }

 private:
  struct PairState {
    Amount live;
    Amount at_peak;
    bool dirty = false;
  };
  void Touch(uint32_t index);
  void Commit();

  uint64_t from_, to_, after_seq_, to_seq_;
  bool in_window_ = true;
  ThreadSplit<PairState> split_;
  std::vector<uint32_t> dirty_;
  uint64_t heap_ = 0;
  uint64_t peak_ = 0;
  bool pending_ = false;
  ThreadSplitResult result_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_PEAK_BY_THREAD_H_
