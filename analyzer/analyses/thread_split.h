// Values kept per (thread, stack) pair instead of per stack, for the views
// that show one thread's part of an analysis, and the profile that puts each
// thread's stacks under a frame naming the thread. Memory grows with the
// pairs that occur, so with the stacks times the threads that use them.
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

template <class Value>
class ThreadSplit {
 public:
  struct Pair {
    uint32_t thread;
    StackId stack;
    Value value;
  };

  // The pair of the block's thread and stack, created if new.
  uint32_t IndexOf(const Block& block) {
    LastPair& last = last_[block.stack];
    if (last.thread == block.thread.value()) return last.index;
    const uint64_t key = (static_cast<uint64_t>(block.thread.value()) << 32) | block.stack.value();
    auto [it, inserted] = index_.try_emplace(key, static_cast<uint32_t>(pairs_.size()));
    if (inserted) pairs_.push_back({block.thread.value(), block.stack, Value{}});
    last = {block.thread.value(), it->second};
    return it->second;
  }
  Value& operator[](const Block& block) { return pairs_[IndexOf(block)].value; }
  std::vector<Pair>& pairs() { return pairs_; }

  // Under the root, one frame per thread, and below it the thread's stacks
  // with what `values_of(value)` gives (pairs whose values are empty are
  // left out). Each thread's part is built as any stack profile is, then
  // merged under its frame.
  template <class ValuesOf>
  void BuildProfile(const ReplayState& state, ValuesOf values_of, StackProfile* profile) const {
    std::vector<std::vector<uint32_t>> pairs_of_thread;
    for (uint32_t i = 0; i < pairs_.size(); ++i) {
      const uint32_t thread = pairs_[i].thread;
      if (thread >= pairs_of_thread.size()) pairs_of_thread.resize(thread + 1);
      pairs_of_thread[thread].push_back(i);
    }
    for (uint32_t thread = 0; thread < pairs_of_thread.size(); ++thread) {
      StackProfile part;
      ProfileBuilder builder(state.symbols, &part);
      for (uint32_t i : pairs_of_thread[thread]) {
        const ProfileValues values = values_of(pairs_[i].value);
        if (!values.empty()) builder.Add(pairs_[i].stack, values);
      }
      if (part.nodes().size() <= 1) continue;  // nothing of this thread in the analysis
      profile->Merge(
          part,
          profile->Child(0, profile->InternFrame({ThreadFrameName(state, thread), "", 0, 0})));
    }
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
