#include "analyzer/analyses/temporal_peaks.h"

#include <algorithm>

namespace arenatrace::analyzer {

TemporalPeaksAnalysis::TemporalPeaksAnalysis(std::vector<uint32_t> node_of_stack, uint32_t nodes,
                                             uint64_t duration_micros, uint32_t buckets)
    : node_of_stack_(std::move(node_of_stack)),
      duration_(std::max<uint64_t>(duration_micros, 1)),
      bucket_count_(std::max<uint32_t>(buckets, 1)),
      live_(nodes + 1),
      at_peak_(nodes + 1),
      emitted_(nodes + 1),
      dirty_flag_(nodes + 1),
      copied_flag_(nodes + 1) {
  bucket_.to_micros = duration_ / bucket_count_;
  pending_ = true;  // the empty heap at the start is the first bucket's moment until raised
}

size_t TemporalPeaksAnalysis::BucketOf(uint64_t micros) const {
  // 128-bit: a run of days in microseconds times the bucket count fits.
  const unsigned __int128 scaled = static_cast<unsigned __int128>(micros) * bucket_count_;
  return std::min<size_t>(static_cast<size_t>(scaled / duration_), bucket_count_ - 1);
}

void TemporalPeaksAnalysis::Touch(uint32_t node) {
  if (!dirty_flag_[node]) {
    dirty_flag_[node] = 1;
    dirty_.push_back(node);
  }
}

void TemporalPeaksAnalysis::Commit() {
  for (uint32_t node : dirty_) {
    dirty_flag_[node] = 0;
    at_peak_[node] = live_[node];
    if (!copied_flag_[node]) {
      copied_flag_[node] = 1;
      copied_.push_back(node);
    }
  }
  dirty_.clear();
  pending_ = false;
}

void TemporalPeaksAnalysis::CloseBucket() {
  if (pending_) Commit();
  std::sort(copied_.begin(), copied_.end());
  for (uint32_t node : copied_) {
    copied_flag_[node] = 0;
    if (at_peak_[node] != emitted_[node]) {
      bucket_.deltas.emplace_back(node, at_peak_[node] - emitted_[node]);
      emitted_[node] = at_peak_[node];
    }
  }
  copied_.clear();
  buckets_.push_back(std::move(bucket_));
  ++current_;
  bucket_ = TemporalBucket{};
  bucket_.from_micros =
      static_cast<uint64_t>(static_cast<unsigned __int128>(current_) * duration_ / bucket_count_);
  bucket_.to_micros = static_cast<uint64_t>(static_cast<unsigned __int128>(current_ + 1) *
                                            duration_ / bucket_count_);
  // The heap as it stands when the bucket opens is its first candidate.
  bucket_.peak_bytes = heap_;
  bucket_.peak_micros = bucket_.from_micros;
  pending_ = true;
}

void TemporalPeaksAnalysis::OnTime(uint64_t micros) {
  const size_t target = BucketOf(micros);
  while (current_ < target) CloseBucket();
}

void TemporalPeaksAnalysis::OnAlloc(uint64_t, const Block& block) {
  const bool new_peak = heap_ + block.size > bucket_.peak_bytes;
  if (pending_ && !new_peak) Commit();
  const uint32_t node = NodeOf(block);
  live_[node] += static_cast<int64_t>(block.size);
  Touch(node);
  heap_ += block.size;
  if (new_peak) {
    bucket_.peak_bytes = heap_;
    bucket_.peak_micros = state().now;
    pending_ = true;
  }
}

void TemporalPeaksAnalysis::OnRelease(uint64_t, const Block& block, Release) {
  if (pending_) Commit();
  const uint32_t node = NodeOf(block);
  live_[node] -= static_cast<int64_t>(block.size);
  Touch(node);
  heap_ -= block.size;
}

void TemporalPeaksAnalysis::OnEnd() {
  while (current_ + 1 < bucket_count_) CloseBucket();
  CloseBucket();
}

}  // namespace arenatrace::analyzer
