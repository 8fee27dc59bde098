// `generations`: what each phase of the program left behind, and what
// CPython's garbage collector did.
//
// Phases are cut by the program's marks (arenatrace.mark(label) or the mark
// signal): phase 0 runs from the end of start-up to the first mark, phase i
// from mark i to mark i+1, the last one to the program's end. A block
// belongs to the phase it was allocated in, by its allocation sequence
// number (never by address: addresses are reused). At each later mark, at
// the program's end and at exit, each phase's surviving blocks are counted
// by site. Start-up and finalisation allocations belong to no phase.
//
// (CPython's own GC generations are analyses/gc.h.)
#ifndef ARENATRACE_ANALYZER_ANALYSES_GENERATIONS_H_
#define ARENATRACE_ANALYZER_ANALYSES_GENERATIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

struct SiteAmount {
  ProfileFrame site;
  Amount amount;
};

struct GenerationsResult {
  // Where survivors are counted: each mark, the program's end, and exit
  // (when the process finalised and its trace is complete).
  struct Checkpoint {
    std::string label;
    uint64_t micros = 0;
  };
  struct Phase {
    std::string label;  // "start-up .. first mark" style
    uint64_t from_micros = 0;
    uint64_t to_micros = 0;
    Amount allocated;
    std::vector<SiteAmount> allocated_sites;  // largest first
    // For each checkpoint from the phase's own end: alive then, total and by site.
    size_t first_checkpoint = 0;
    std::vector<Amount> alive;
    std::vector<std::vector<SiteAmount>> survivors;
  };
  std::vector<Checkpoint> checkpoints;
  std::vector<Phase> phases;
};

class GenerationsAnalysis : public ReplayObserver {
 public:
  void OnAlloc(uint64_t, const Block& block) override;
  void OnRelease(uint64_t, const Block& block, Release why) override;
  void OnMark() override;
  void OnFinalizing() override;
  void OnEnd() override;

  GenerationsResult& result() { return result_; }

 private:
  static bool Counted(const Block& block) {
    return block.in_window() && !(block.flags & (kStartup | kTeardown));
  }
  uint32_t PhaseOf(const Block& block) const;
  void Checkpoint(std::string label);
  static uint64_t Key(uint32_t phase, StackId stack) {
    return (static_cast<uint64_t>(phase) << 32) | stack.value();
  }

  absl::flat_hash_map<uint64_t, Amount> live_;       // (phase, stack) -> alive now
  absl::flat_hash_map<uint64_t, Amount> allocated_;  // (phase, stack) -> allocated
  // Survivors at each checkpoint, as (checkpoint, phase, stack) rows.
  struct Row {
    uint32_t checkpoint;
    uint32_t phase;
    StackId stack;
    Amount amount;
  };
  std::vector<Row> rows_;
  std::vector<uint64_t> mark_seqs_;
  bool program_ended_ = false;
  GenerationsResult result_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_GENERATIONS_H_
