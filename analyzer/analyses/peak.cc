#include "analyzer/analyses/peak.h"

namespace arenatrace::analyzer {

void PeakAnalysis::OnTime(uint64_t micros) {
  // A maximum reached just before the window closes is the window's peak.
  if (pending_ && micros >= to_) CommitPeak();
  in_window_ = micros >= from_ && micros < to_;
}

void PeakAnalysis::OnAlloc(uint64_t, const Block& block) {
  const bool in_window = in_window_ && block.seq > after_seq_ && block.seq <= to_seq_;
  const bool new_peak = in_window && heap_ + block.size > peak_.peak_bytes;
  // The pending maximum is final unless this allocation raises it.
  if (pending_ && !new_peak) CommitPeak();
  StackState& s = stacks_[block.stack];
  s.live.Add(block.size, block.count);
  if (block.in_window()) s.allocated.Add(block.size, block.count);
  Touch(block.stack, s);
  heap_ += block.size;
  blocks_ += block.count;
  if (new_peak) {
    peak_.peak_bytes = heap_;
    peak_.peak_blocks = blocks_;
    peak_.peak_micros = state().now;
    peak_.peak_seq = state().seq;
    pending_ = true;
  }
}

void PeakAnalysis::OnRelease(uint64_t, const Block& block, Release) {
  if (pending_) CommitPeak();
  StackState& s = stacks_[block.stack];
  s.live.Remove(block.size, block.count);
  Touch(block.stack, s);
  heap_ -= block.size;
  blocks_ -= block.count;
}

void PeakAnalysis::CommitPeak() {
  for (StackId stack : dirty_) {
    StackState& s = stacks_[stack];
    s.at_peak = s.live;
    s.dirty = false;
  }
  dirty_.clear();
  pending_ = false;
}

void PeakAnalysis::OnEnd() {
  if (pending_) CommitPeak();
  peak_.end_bytes = heap_;
  peak_.peak_rss = state().peak_rss;
  peak_.peak_rss_micros = state().peak_rss_micros;
  peak_.heap_at_peak_rss = state().heap_at_peak_rss;
  peak_.profile.measure = "live at the heap's peak";
  ProfileBuilder builder(state().symbols, &peak_.profile);
  const auto& values = stacks_.values();
  for (size_t i = 0; i < values.size(); ++i) {
    const StackState& s = values[i];
    if (s.at_peak.empty() && s.allocated.empty()) continue;
    builder.Add(StackId(static_cast<uint32_t>(i)),
                {s.at_peak.bytes, s.at_peak.count, s.allocated.bytes, s.allocated.count});
  }
}

PeakResult PeakAnalysis::Result() const { return peak_; }

}  // namespace arenatrace::analyzer
