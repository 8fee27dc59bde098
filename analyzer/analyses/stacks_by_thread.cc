#include "analyzer/analyses/stacks_by_thread.h"

namespace arenatrace::analyzer {
namespace {

ProfileValues BytesAndCount(const Amount& a) { return {a.bytes, a.count, 0, 0}; }

}  // namespace

void AllocatedByThreadAnalysis::OnEnd() { result_ = split_.Finish(state(), BytesAndCount); }

void TemporaryByThreadAnalysis::OnEnd() { result_ = split_.Finish(state(), BytesAndCount); }

void LeaksByThreadAnalysis::SnapshotProgramEnd() {
  if (program_ended_) return;
  program_ended_ = true;
  for (auto& pair : split_.pairs()) pair.value.at_end = pair.value.live;
}

void LeaksByThreadAnalysis::OnEnd() {
  SnapshotProgramEnd();  // a process that never finalised: its end is the program's
  result_ = split_.Finish(state(), [](const Values& v) { return BytesAndCount(v.at_end); });
}

}  // namespace arenatrace::analyzer
