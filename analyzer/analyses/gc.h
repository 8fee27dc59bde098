// CPython's garbage collector, as gc.callbacks reported it: per generation,
// the collections, the time they took (at the trace's clock resolution),
// objects collected and uncollectable; and the blocks freed inside
// collections, by the stack that allocated them: the sites that make cyclic
// garbage. (Generation numbers are CPython's: 0-2; on 3.14's incremental
// collector see docs/USAGE.md.)
#ifndef ARENATRACE_ANALYZER_ANALYSES_GC_H_
#define ARENATRACE_ANALYZER_ANALYSES_GC_H_

#include <cstdint>
#include <vector>

#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

struct GcGeneration {
  uint64_t collections = 0;
  uint64_t micros = 0;  // inside collections
  uint64_t collected = 0;
  uint64_t uncollectable = 0;
  Amount freed;  // blocks freed inside its collections
};

struct GcResult {
  std::vector<GcGeneration> generations;  // by generation number
  StackProfile freed;                     // bytes/count freed inside collections
};

class GcAnalysis : public ReplayObserver {
 public:
  uint8_t block_calls() const override { return kReleaseCalls; }
  void OnRelease(uint64_t, const Block& block, Release why) override;
  void OnGcStart(uint64_t generation) override;
  void OnGcStop(uint64_t generation, uint64_t collected, uint64_t uncollectable) override;
  void OnEnd() override;

  GcResult& result() { return result_; }

 private:
  GcGeneration& Generation(uint64_t generation);

  bool in_gc_ = false;
  uint64_t started_ = 0;
  ThreadId thread_;
  uint64_t generation_ = 0;
  PerStack<Amount> freed_;
  GcResult result_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_GC_H_
