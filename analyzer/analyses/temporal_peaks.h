// The temporal view's second pass: the run cut into equal spans of time
// (buckets), and for each the live bytes of every node of a pruned tree at
// the moment the selected heap was highest inside it. A page picks the
// highest bucket inside a selected range and shows that moment's flame
// graph, so a range selection is exact to the bucket and costs nothing per
// event at view time.
//
// The same trick as `peak` (peak.h), restarted at each bucket: a bucket's
// maximum is copied only when the heap first falls after it, and only for
// the nodes that changed since the previous copy. A bucket stores only the
// nodes whose value differs from the previous bucket's (sparse deltas), so
// memory and output are bounded by buckets x nodes of the pruned tree, not
// by events or stacks.
#ifndef ARENATRACE_ANALYZER_ANALYSES_TEMPORAL_PEAKS_H_
#define ARENATRACE_ANALYZER_ANALYSES_TEMPORAL_PEAKS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

struct TemporalBucket {
  uint64_t from_micros = 0;
  uint64_t to_micros = 0;
  uint64_t peak_bytes = 0;  // the selected heap at its highest inside the bucket
  uint64_t peak_micros = 0;
  // (node, live bytes at this bucket's peak minus at the previous bucket's).
  std::vector<std::pair<uint32_t, int64_t>> deltas;
};

class TemporalPeaksAnalysis : public ReplayObserver {
 public:
  // `node_of_stack`: for each stack id of the trace, the pruned tree's node
  // that stands for it (a stack beyond it counts at node 0, the root);
  // `duration_micros`: the trace's length, from the first pass.
  TemporalPeaksAnalysis(std::vector<uint32_t> node_of_stack, uint32_t nodes,
                        uint64_t duration_micros, uint32_t buckets);

  void OnAlloc(uint64_t, const Block& block) override;
  void OnRelease(uint64_t, const Block& block, Release) override;
  void OnTime(uint64_t micros) override;
  void OnEnd() override;

  const std::vector<TemporalBucket>& buckets() const { return buckets_; }

 private:
  uint32_t NodeOf(const Block& block) const {
    const size_t index = block.stack.index();
    return index < node_of_stack_.size() ? node_of_stack_[index] : 0;
  }
  void Touch(uint32_t node);
  void Commit();
  void CloseBucket();
  size_t BucketOf(uint64_t micros) const;

  std::vector<uint32_t> node_of_stack_;
  uint64_t duration_;
  uint32_t bucket_count_;
  std::vector<int64_t> live_;
  std::vector<int64_t> at_peak_;
  std::vector<int64_t> emitted_;  // at_peak_ as the last closed bucket stored it
  std::vector<uint8_t> dirty_flag_;
  std::vector<uint32_t> dirty_;  // changed since the last copy
  std::vector<uint8_t> copied_flag_;
  std::vector<uint32_t> copied_;  // copied since the last bucket closed
  uint64_t heap_ = 0;
  bool pending_ = false;
  size_t current_ = 0;
  TemporalBucket bucket_;
  std::vector<TemporalBucket> buckets_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_TEMPORAL_PEAKS_H_
