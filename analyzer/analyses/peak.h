// `peak`: which stacks owned the heap at the exact moment of its high-water
// mark (of the selected blocks, inside the window).
//
// A naive tracker copies every stack's live bytes at each new maximum: a
// program whose heap grows with frees interleaved would pay O(stacks) per
// event. Instead, the copy is made only when the heap first falls after a
// new maximum (that maximum is then final until exceeded), and only of the
// stacks whose live bytes changed since the previous copy: each event adds at
// most one stack to that list, so the cost is O(1) per event, amortised (as
// heaptrack's peak tracking, without its full sweeps).
#ifndef ARENATRACE_ANALYZER_ANALYSES_PEAK_H_
#define ARENATRACE_ANALYZER_ANALYSES_PEAK_H_

#include <cstdint>
#include <vector>

#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

struct PeakResult {
  uint64_t peak_bytes = 0;
  uint64_t peak_blocks = 0;
  uint64_t peak_micros = 0;
  uint64_t peak_seq = 0;   // allocations made up to the peak
  uint64_t end_bytes = 0;  // the selected heap when the trace ends
  uint64_t peak_rss = 0;   // the highest RSS sample (whole process)
  uint64_t peak_rss_micros = 0;
  uint64_t heap_at_peak_rss = 0;  // the whole heap when RSS peaked
  StackProfile profile;           // bytes/count: live at the peak; alloc_*: allocated in the window
};

class PeakAnalysis : public ReplayObserver {
 public:
  // Moments in [from, to), and after allocation `after_seq` up to `to_seq`,
  // are candidates for the peak.
  PeakAnalysis(uint64_t from_micros = 0, uint64_t to_micros = UINT64_MAX, uint64_t after_seq = 0,
               uint64_t to_seq = UINT64_MAX)
      : from_(from_micros), to_(to_micros), after_seq_(after_seq), to_seq_(to_seq) {}

  void OnAlloc(uint64_t address, const Block& block) override;
  void OnRelease(uint64_t address, const Block& block, Release why) override;
  void OnTime(uint64_t micros) override;
  void OnEnd() override;

  PeakResult Result() const;

 private:
  struct StackState {
    Amount live;
    Amount at_peak;
    Amount allocated;
    bool dirty = false;
  };
  void Touch(StackId stack, StackState& s) {
    if (!s.dirty) {
      s.dirty = true;
      dirty_.push_back(stack);
    }
  }
  void CommitPeak();

  uint64_t from_;
  uint64_t to_;
  uint64_t after_seq_;
  uint64_t to_seq_;
  bool in_window_ = true;
  PerStack<StackState> stacks_;
  std::vector<StackId> dirty_;
  uint64_t heap_ = 0;
  uint64_t blocks_ = 0;
  bool pending_ = false;  // a new maximum not yet copied
  PeakResult peak_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_PEAK_H_
