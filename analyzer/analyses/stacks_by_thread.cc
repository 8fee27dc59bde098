#include "analyzer/analyses/stacks_by_thread.h"

namespace arenatrace::analyzer {

void AllocatedByThreadAnalysis::OnEnd() {
  profile_.measure = "allocated, by thread";
  split_.BuildProfile(
      state(),
      [](const Amount& a) {
        return ProfileValues{a.bytes, a.count, a.bytes, a.count};
      },
      &profile_);
}

void TemporaryByThreadAnalysis::OnEnd() {
  profile_.measure = within_ == 0
                         ? "temporary (freed before the next allocation of its thread), by thread"
                         : "temporary (freed within N allocations of its thread), by thread";
  split_.BuildProfile(
      state(),
      [](const Values& v) {
        if (v.temporary.empty()) return ProfileValues{};
        return ProfileValues{v.temporary.bytes, v.temporary.count, v.allocated.bytes,
                             v.allocated.count};
      },
      &profile_);
}

void LeaksByThreadAnalysis::OnAlloc(uint64_t, const Block& block) {
  if (program_ended_ || !Counted(block)) return;
  Values& v = split_[block];
  v.live.Add(block.size, block.count);
  v.allocated.Add(block.size, block.count);
}

void LeaksByThreadAnalysis::OnRelease(uint64_t, const Block& block, Release) {
  if (program_ended_ || !Counted(block)) return;
  split_[block].live.Remove(block.size, block.count);
}

void LeaksByThreadAnalysis::SnapshotProgramEnd() {
  if (program_ended_) return;
  program_ended_ = true;
  for (auto& pair : split_.pairs()) pair.value.at_end = pair.value.live;
}

void LeaksByThreadAnalysis::OnEnd() {
  SnapshotProgramEnd();  // a process that never finalised: its end is the program's
  profile_.measure = "alive when the program's own code ended, by thread";
  split_.BuildProfile(
      state(),
      [](const Values& v) {
        return ProfileValues{v.at_end.bytes, v.at_end.count, v.allocated.bytes, v.allocated.count};
      },
      &profile_);
}

}  // namespace arenatrace::analyzer
