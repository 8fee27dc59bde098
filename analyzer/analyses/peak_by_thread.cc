#include "analyzer/analyses/peak_by_thread.h"

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"

namespace arenatrace::analyzer {

PeakByThreadAnalysis::PairState& PeakByThreadAnalysis::StateOf(const Block& block) {
  LastPair& last = last_[block.stack];
  if (last.thread == block.thread.value()) return pairs_[last.index];
  const uint64_t key = (static_cast<uint64_t>(block.thread.value()) << 32) | block.stack.value();
  auto [it, inserted] = index_.try_emplace(key, static_cast<uint32_t>(pairs_.size()));
  if (inserted) pairs_.push_back({key, {}, {}, false});
  last = {block.thread.value(), it->second};
  return pairs_[it->second];
}

void PeakByThreadAnalysis::Touch(uint32_t index) {
  if (!pairs_[index].dirty) {
    pairs_[index].dirty = true;
    dirty_.push_back(index);
  }
}

void PeakByThreadAnalysis::Commit() {
  for (uint32_t index : dirty_) {
    pairs_[index].at_peak = pairs_[index].live;
    pairs_[index].dirty = false;
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
  PairState& s = StateOf(block);
  s.live.Add(block.size, block.count);
  Touch(static_cast<uint32_t>(&s - pairs_.data()));
  heap_ += block.size;
  if (new_peak) {
    peak_ = heap_;
    pending_ = true;
  }
}

void PeakByThreadAnalysis::OnRelease(uint64_t, const Block& block, Release) {
  if (pending_) Commit();
  PairState& s = StateOf(block);
  s.live.Remove(block.size, block.count);
  Touch(static_cast<uint32_t>(&s - pairs_.data()));
  heap_ -= block.size;
}

void PeakByThreadAnalysis::OnEnd() {
  if (pending_) Commit();
  profile_.measure = "live at the heap's peak, by thread";
  // One profile per thread, built as every stack analysis builds its own,
  // then each put under its thread's frame.
  std::vector<std::unique_ptr<StackProfile>> by_thread;
  std::vector<std::unique_ptr<ProfileBuilder>> builders;
  for (const PairState& s : pairs_) {
    if (s.at_peak.empty()) continue;
    const uint32_t thread = static_cast<uint32_t>(s.key >> 32);
    if (thread >= by_thread.size()) {
      by_thread.resize(thread + 1);
      builders.resize(thread + 1);
    }
    if (!by_thread[thread]) {
      by_thread[thread] = std::make_unique<StackProfile>();
      builders[thread] = std::make_unique<ProfileBuilder>(state().symbols, by_thread[thread].get());
    }
    builders[thread]->Add(StackId(static_cast<uint32_t>(s.key)),
                          {s.at_peak.bytes, s.at_peak.count, 0, 0});
  }
  for (uint32_t thread = 0; thread < by_thread.size(); ++thread) {
    if (!by_thread[thread]) continue;
    std::string name = absl::StrCat("thread ", thread);
    if (thread < state().threads.size()) {
      const ThreadInfo& info = state().threads[thread];
      name =
          absl::StrCat("thread ", info.name.empty() ? "?" : info.name, " (", info.native_id, ")");
    }
    profile_.Merge(*by_thread[thread], profile_.Child(0, profile_.InternFrame({name, "", 0, 0})));
  }
}

}  // namespace arenatrace::analyzer
