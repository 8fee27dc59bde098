#include "analyzer/analyses/peak_by_thread.h"

namespace arenatrace::analyzer {

void PeakByThreadAnalysis::Touch(uint32_t index) {
  PairState& s = split_.pairs()[index].value;
  if (!s.dirty) {
    s.dirty = true;
    dirty_.push_back(index);
  }
}

void PeakByThreadAnalysis::Commit() {
  auto& pairs = split_.pairs();
  for (uint32_t index : dirty_) {
    pairs[index].value.at_peak = pairs[index].value.live;
    pairs[index].value.dirty = false;
  }
  dirty_.clear();
  pending_ = false;
}

void PeakByThreadAnalysis::OnTime(uint64_t micros) {
  if (pending_ && micros >= to_) Commit();
  in_window_ = micros >= from_ && micros < to_;
}

void PeakByThreadAnalysis::OnAlloc(uint64_t, const Block& block) {
  const bool in_window = in_window_ && block.seq > after_seq_ && block.seq <= to_seq_;
  const bool new_peak = in_window && heap_ + block.size > peak_;
  if (pending_ && !new_peak) Commit();
  if (split_.Keeps(block)) {
    const uint32_t index = split_.IndexOf(block);
    split_.pairs()[index].value.live.Add(block.size, block.count);
    Touch(index);
  }
  heap_ += block.size;
  if (new_peak) {
    peak_ = heap_;
    pending_ = true;
  }
}

void PeakByThreadAnalysis::OnRelease(uint64_t, const Block& block, Release) {
  if (pending_) Commit();
  if (split_.Keeps(block)) {
    const uint32_t index = split_.IndexOf(block);
    split_.pairs()[index].value.live.Remove(block.size, block.count);
    Touch(index);
  }
  heap_ -= block.size;
}

void PeakByThreadAnalysis::OnEnd() {
  if (pending_) Commit();
  result_ = split_.Finish(state(), [](const PairState& s) {
    return ProfileValues{s.at_peak.bytes, s.at_peak.count, 0, 0};
  });
}

}  // namespace arenatrace::analyzer
