// `leaks`: one verdict per allocation site (innermost frame) on the memory
// the program's own code left alive, ranked, each with its evidence.
//
// "The program's own code ended" is the Finalizing record (the interpreter
// starts finalising: module globals are still alive), or the end of the
// trace for a process that never finalised (os._exit, killed). What start-up
// allocated (the import system and site, before the program's first
// allocation) and what finalisation allocated are reported apart, never as
// leaks. For each site the evidence is:
//  - count and bytes alive at the program's end, and whether finalisation
//    freed them later ("freed at exit": globals, caches) or not ("never
//    freed");
//  - growth: the site's live bytes sampled across the run (every N
//    allocations, N doubling so that 32-64 samples cover any run) and at
//    each mark. Steady growth until the end is a leak's signature; a level
//    reached early and kept is a cache or data loaded once (a plateau).
// A site is called a leak when its live bytes grew in most of the sampling
// intervals in which they changed since it first allocated (an interval in
// which it did not change, as when its thread waited for the GIL, counts
// neither way), was still growing in the last third of the run, kept most of
// what it grew to, and holds a visible share of what the program left alive.
#ifndef ARENATRACE_ANALYZER_ANALYSES_LEAKS_H_
#define ARENATRACE_ANALYZER_ANALYSES_LEAKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/replay/observer.h"

namespace arenatrace::analyzer {

enum class LeakKind { kLeak, kGrowing, kPlateau, kRetained };
const char* LeakKindName(LeakKind kind);  // "leak", "growing", "plateau", "retained"

struct LeakVerdict {
  LeakKind kind = LeakKind::kRetained;
  double confidence = 0;  // 0..1, for kLeak and kGrowing
  double growth = 0;      // -1..1: (intervals growing - intervals shrinking) / intervals changing
  ProfileFrame site;
  FrameId site_id;
  uint32_t top_node = 0;      // the profile's stack holding most of it
  uint64_t pid = 0;           // set when verdicts of several processes are merged
  Amount live;                // alive when the program's own code ended
  Amount freed_at_exit;       // of those, freed by finalisation
  Amount allocated;           // everything the site allocated while the program ran
  bool exit_known = false;    // the process finalised and its trace is complete
  uint64_t first_micros = 0;  // the site's first allocation
  // The site's live bytes across the run (at most 16 points) and at each mark.
  std::vector<uint64_t> series_micros;
  std::vector<uint64_t> series_bytes;
  std::vector<uint64_t> at_marks;
  std::string ExitState() const;  // "never freed", "freed at exit", "partly freed at exit", ...
};

struct LeaksResult {
  bool finalizing_seen = false;
  bool exit_known = false;
  uint64_t program_end_micros = 0;
  Amount program_live;  // everything the program's own code left alive
  Amount startup_live;  // allocated during start-up, alive at the program's end
  std::vector<std::pair<ProfileFrame, Amount>> startup_sites;  // the largest of those
  Amount teardown_allocated;                                   // allocated during finalisation
  std::vector<std::string> mark_labels;
  std::vector<LeakVerdict> verdicts;  // ranked: leaks first, then by bytes
  StackProfile profile;               // bytes/count: alive at the program's end; alloc_*: allocated
};

class LeaksAnalysis : public ReplayObserver {
 public:
  void OnAlloc(uint64_t, const Block& block) override;
  void OnRelease(uint64_t, const Block& block, Release why) override;
  void OnMark() override;
  void OnFinalizing() override;
  void OnEnd() override;

  LeaksResult& result() { return result_; }

 private:
  // Blocks the verdicts are about: made by the program's own code, in the window.
  static bool Counted(const Block& block) {
    return block.in_window() && !(block.flags & (kStartup | kTeardown));
  }
  void TakeSample();
  void SnapshotProgramEnd();
  void Judge();

  struct StackState {
    Amount live;
    Amount allocated;
    Amount at_end;
    Amount freed_at_exit;
  };
  struct SiteState {
    int64_t live_bytes = 0;
    uint64_t first_seq = 0;
    uint64_t first_micros = 0;
  };
  struct Sample {
    uint64_t seq;
    uint64_t micros;
    std::vector<float> site_bytes;  // by FrameId (sites defined later: 0)
  };
  PerStack<StackState> stacks_;
  PerId<SiteState, FrameId> sites_;
  PerId<Amount, FrameId> startup_;
  std::vector<Sample> samples_;
  std::vector<std::vector<float>> at_marks_;
  uint64_t sample_interval_ = 64;
  uint64_t next_sample_seq_ = 64;
  bool program_ended_ = false;
  LeaksResult result_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_LEAKS_H_
