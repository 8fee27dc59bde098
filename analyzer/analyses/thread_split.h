// Values kept per (thread, stack) pair, for the views that show one thread's
// part of an analysis, and the profile that puts each thread's stacks under a
// frame naming the thread.
//
// The first thread's values are not kept: they are the unsplit analysis's
// less the other threads', stack by stack (the split analyses are additive
// over blocks). A process with one thread so costs the split nothing while
// it is replayed, however many stacks it has; memory grows with the pairs of
// the other threads only.
#ifndef ARENATRACE_ANALYZER_ANALYSES_THREAD_SPLIT_H_
#define ARENATRACE_ANALYZER_ANALYSES_THREAD_SPLIT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/analyses/per_stack.h"
#include "analyzer/analyses/stack_profile.h"
#include "analyzer/replay/block.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer {

// The frame naming a thread in a split profile: "thread NAME (native id)",
// no file (the page recognises thread frames so).
std::string ThreadFrameName(const ReplayState& state, uint32_t thread);

// What a split analysis leaves at its end: the other threads' stacks, each
// thread under its frame, and the first thread's name.
struct ThreadSplitResult {
  StackProfile others;
  std::string first_thread;
  // `whole` (the unsplit analysis's profile, bytes and count) with every
  // thread under its frame, the first thread's part being what the others
  // leave of it. The split carries no alloc_* values.
  StackProfile Split(const StackProfile& whole) const;
};

template <class Value>
class ThreadSplit {
 public:
  struct Pair {
    uint32_t thread;
    StackId stack;
    Value value;
  };

  // Whether the split keeps the block's values (not the first thread's).
  static bool Keeps(const Block& block) { return block.thread.index() != 0; }
  // The block's pair, created if new; null for the first thread's blocks.
  Value* Of(const Block& block) {
    if (!Keeps(block)) return nullptr;
    return &pairs_[IndexOf(block)].value;
  }
  // The index of a block of another thread than the first.
  uint32_t IndexOf(const Block& block) {
    LastPair& last = last_[block.stack];
    if (last.thread == block.thread.value()) return last.index;
    const uint64_t key = (static_cast<uint64_t>(block.thread.value()) << 32) | block.stack.value();
    auto [it, inserted] = index_.try_emplace(key, static_cast<uint32_t>(pairs_.size()));
    if (inserted) pairs_.push_back({block.thread.value(), block.stack, Value{}});
    last = {block.thread.value(), it->second};
    return it->second;
  }
  std::vector<Pair>& pairs() { return pairs_; }

  // The other threads' stacks with `values_of(value)` (bytes and count;
  // empty pairs left out), each thread's part built as any stack profile is.
  template <class ValuesOf>
  ThreadSplitResult Finish(const ReplayState& state, ValuesOf values_of) const {
    ThreadSplitResult result;
    result.first_thread = ThreadFrameName(state, 0);
    std::vector<std::vector<uint32_t>> pairs_of_thread;
    for (uint32_t i = 0; i < pairs_.size(); ++i) {
      const uint32_t thread = pairs_[i].thread;
      if (thread >= pairs_of_thread.size()) pairs_of_thread.resize(thread + 1);
      pairs_of_thread[thread].push_back(i);
    }
    for (uint32_t thread = 1; thread < pairs_of_thread.size(); ++thread) {
      StackProfile part;
      ProfileBuilder builder(state.symbols, &part);
      for (uint32_t i : pairs_of_thread[thread]) {
        const ProfileValues values = values_of(pairs_[i].value);
        if (values.bytes != 0 || values.count != 0) {
          builder.Add(pairs_[i].stack, {values.bytes, values.count, 0, 0});
        }
      }
      if (part.nodes().size() <= 1) continue;  // nothing of this thread in the analysis
      result.others.Merge(
          part, result.others.Child(
                    0, result.others.InternFrame({ThreadFrameName(state, thread), "", 0, 0})));
    }
    return result;
  }

 private:
  // Per stack, the pair of the last thread that used it: most stacks are
  // used by one thread, so most events find their pair without hashing.
  struct LastPair {
    uint32_t thread = UINT32_MAX;
    uint32_t index = 0;
  };
  absl::flat_hash_map<uint64_t, uint32_t> index_;
  PerStack<LastPair> last_;
  std::vector<Pair> pairs_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_THREAD_SPLIT_H_
