// The heap at its peak split by thread: the same exact high-water moment as
// `peak` (peak.h, the same lazy copy of what changed), with each thread's
// share under a frame naming the thread, so that a page can show one
// thread's part of the peak. Kept per (thread, stack) pair that allocated,
// so memory stays proportional to the stacks times the threads using them.
#ifndef ARENATRACE_ANALYZER_ANALYSES_PEAK_BY_THREAD_H_
#define ARENATRACE_ANALYZER_ANALYSES_PEAK_BY_THREAD_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
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

  // Under the root, one frame per thread ("thread NAME (native id)", no
  // file), and below it the thread's stacks: bytes/count live at the peak.
  const StackProfile& profile() const { return profile_; }

 private:
  struct PairState {
    uint64_t key;  // thread << 32 | stack
    Amount live;
    Amount at_peak;
    bool dirty = false;
  };
  PairState& StateOf(const Block& block);
  void Touch(uint32_t index);
  void Commit();

  uint64_t from_, to_, after_seq_, to_seq_;
  bool in_window_ = true;
  absl::flat_hash_map<uint64_t, uint32_t> index_;
  // Per stack, the pair of the last thread that used it: most stacks are
  // used by one thread, so most events find their pair without hashing.
  struct LastPair {
    uint32_t thread = UINT32_MAX;
    uint32_t index = 0;
  };
  PerStack<LastPair> last_;
  std::vector<PairState> pairs_;
  std::vector<uint32_t> dirty_;
  uint64_t heap_ = 0;
  uint64_t peak_ = 0;
  bool pending_ = false;
  StackProfile profile_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_PEAK_BY_THREAD_H_
