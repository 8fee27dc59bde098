// What an analysis sees of the replay: one call per event, in trace order.
// Each analysis is one observer (analyses/), knowing nothing of the others,
// of how the trace is decoded, or of how its result is drawn. The replay
// decodes a trace once for any number of observers.
#ifndef ARENATRACE_ANALYZER_REPLAY_OBSERVER_H_
#define ARENATRACE_ANALYZER_REPLAY_OBSERVER_H_

#include <cstdint>

#include "analyzer/replay/block.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer {

class ReplayObserver {
 public:
  virtual ~ReplayObserver() = default;

  // Called once, before the first record, with the state every later call
  // may read (the clock, the symbols, the marks so far ...).
  virtual void Begin(const ReplayState& state) { state_ = &state; }

  // Which of the per-block calls below the observer overrides: the replay
  // makes only those (a virtual call per event and observer is much of what
  // an analysis costs). Asked once, when the observer is added.
  enum BlockCalls : uint8_t { kAllocCalls = 1, kReleaseCalls = 2, kAllBlockCalls = 3 };
  virtual uint8_t block_calls() const { return kAllBlockCalls; }

  // A new block, already accounted in the state (state().seq is its seq).
  // Only blocks in the selection are passed, allocations and releases alike.
  virtual void OnAlloc(uint64_t /*address*/, const Block& /*block*/) {}
  // A block stops being live; the state still counts it.
  virtual void OnRelease(uint64_t /*address*/, const Block& /*block*/, Release /*why*/) {}

  // Time advanced (microseconds since the trace started).
  virtual void OnTime(uint64_t /*micros*/) {}
  virtual void OnRss(uint64_t /*bytes*/) {}
  virtual void OnGcStart(uint64_t /*generation*/) {}
  virtual void OnGcStop(uint64_t /*generation*/, uint64_t /*collected*/,
                        uint64_t /*uncollectable*/) {}
  // The mark is state().marks.back().
  virtual void OnMark() {}
  // The program's own code ended; the interpreter finalises from here.
  virtual void OnFinalizing() {}
  // A snapshot of the object graph: state().snapshots.back() describes it.
  // Each object comes with the live block that holds it (null when its
  // allocation was not recorded); its edges and buffers follow it.
  virtual void OnSnapshotStart() {}
  virtual void OnSnapshotObject(const trace::SnapshotObject& /*object*/, const Block* /*block*/) {}
  virtual void OnSnapshotEdge(const trace::SnapshotEdge& /*edge*/) {}
  virtual void OnSnapshotBuffer(uint64_t /*address*/, const Block* /*block*/) {}
  virtual void OnSnapshotRoot(const trace::SnapshotRoot& /*root*/) {}
  virtual void OnSnapshotEnd() {}

  // Every record was read (or reading stopped at damage).
  virtual void OnEnd() {}

 protected:
  const ReplayState& state() const { return *state_; }

 private:
  const ReplayState* state_ = nullptr;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_REPLAY_OBSERVER_H_
