// The replay of one trace: a single streaming pass over its chunks that
// keeps the live blocks (with their stack, thread, time and allocation
// sequence number) and the state every analysis shares, and hands each event
// to any number of observers (observer.h). Memory is proportional to the
// live blocks and the symbols, not to the events.
#ifndef ARENATRACE_ANALYZER_REPLAY_REPLAY_H_
#define ARENATRACE_ANALYZER_REPLAY_REPLAY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/replay/block.h"
#include "analyzer/replay/observer.h"
#include "analyzer/replay/replay_state.h"
#include "analyzer/replay/selection.h"
#include "core/trace/record_codec.h"

namespace arenatrace::analyzer {

class Replay {
 public:
  explicit Replay(Selection selection = {});
  Replay(const Replay&) = delete;
  Replay& operator=(const Replay&) = delete;

  // Observers are called in the order they were added; not owned.
  void Add(ReplayObserver* observer) {
    observers_.push_back(observer);
    const uint8_t calls = observer->block_calls();
    if (calls & ReplayObserver::kAllocCalls) alloc_observers_.push_back(observer);
    if (calls & ReplayObserver::kReleaseCalls) release_observers_.push_back(observer);
  }

  // Replays the trace at `path`. Returns false with `error` (one line) when
  // the file cannot be read at all; a cut-short or damaged trace is read up
  // to its last intact chunk and returns true (see state().stop).
  bool Run(const std::string& path, std::string* error);

  const ReplayState& state() const { return state_; }
  const absl::flat_hash_map<uint64_t, Block>& live() const { return live_; }
  // The live block at `address`, or null.
  const Block* LiveBlock(uint64_t address) const {
    auto it = live_.find(address);
    return it == live_.end() ? nullptr : &it->second;
  }

  // Record handlers (public for the decoder's visitor). Each returns false,
  // with why() set, for a record that is impossible in a well-formed trace.
  bool operator()(const trace::Alloc& r);
  bool operator()(const trace::AllocWeighted& r);
  bool operator()(const trace::Free& r);
  bool operator()(const trace::Realloc& r);
  bool operator()(const trace::ThreadSwitch& r);
  bool operator()(const trace::Time& r);
  bool operator()(const trace::Code& r);
  bool operator()(const trace::Frame& r);
  bool operator()(const trace::Stack& r);
  bool operator()(const trace::ThreadStart& r);
  bool operator()(const trace::ThreadName& r);
  bool operator()(const trace::Rss& r);
  bool operator()(const trace::GcStart& r);
  bool operator()(const trace::GcStop& r);
  bool operator()(const trace::Mark& r);
  bool operator()(const trace::SnapshotRequest& r);
  bool operator()(const trace::Finalizing& r);
  bool operator()(const trace::Fork& r);
  bool operator()(const trace::End& r);
  bool operator()(const trace::Lost& r);
  bool operator()(const trace::Pause& r);
  bool operator()(const trace::Resume& r);
  bool operator()(const trace::Exec& r);
  bool operator()(const trace::SnapshotStart& r);
  bool operator()(const trace::SnapshotName& r);
  bool operator()(const trace::SnapshotObject& r);
  bool operator()(const trace::SnapshotEdge& r);
  bool operator()(const trace::SnapshotBuffer& r);
  bool operator()(const trace::SnapshotRoot& r);
  bool operator()(const trace::SnapshotEnd& r);
  const std::string& why() const { return why_; }

 private:
  bool Refuse(std::string why);
  void Allocate(trace::Domain domain, uint64_t address, uint64_t size, uint32_t stack,
                uint32_t count, bool is_realloc);
  // Releases the block at `address`; false when no such block is live.
  bool ReleaseAt(uint64_t address, Release why);
  void Subtract(const Block& block);
  void NotifyAlloc(uint64_t address, const Block& block);
  void NotifyRelease(uint64_t address, const Block& block, Release why);
  void Add(DomainTotals& totals, uint64_t size);
  uint8_t FlagsForNewBlock(StackId stack, trace::Domain domain);
  // Out of line: filters, or start-up not over yet.
  __attribute__((noinline)) uint8_t FlagsForUncommonBlock(StackId stack, trace::Domain domain);
  void NoteTracedDomain(uint64_t traced_domain);
  // An allocation of the traced domain at `address`: PyTraceMalloc_Track of a
  // block it already tracks updates it (its size, its stack), as tracemalloc
  // does. Returns whether it was such an update.
  bool RetrackAt(uint64_t address);
  void UpdateCommonFlags();
  void NoteStackDefined(StackId stack);
  bool IsMain(FrameId frame);  // the outermost frame of the program's main code
  void Finish();

  Selection selection_;
  ReplayState state_;
  std::vector<ReplayObserver*> observers_;
  std::vector<ReplayObserver*> alloc_observers_;    // those that want OnAlloc
  std::vector<ReplayObserver*> release_observers_;  // those that want OnRelease
  absl::flat_hash_map<uint64_t, Block> live_;
  std::vector<uint8_t> stack_selected_;   // per stack, when files are filtered
  std::vector<FrameId> stack_outermost_;  // per stack: its outermost frame
  std::vector<int8_t> code_is_main_;      // per code: -1 not known yet
  std::vector<uint8_t> thread_selected_;
  bool in_window_ = true;
  bool common_case_ = false;
  uint8_t common_flags_ = 0;
  bool paused_ = false;
  uint64_t paused_since_ = 0;
  bool exec_last_ = false;
  bool in_snapshot_ = false;
  bool snapshot_object_open_ = false;  // edges and buffers may follow
  std::string why_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_REPLAY_REPLAY_H_
