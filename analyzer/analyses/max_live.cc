#include "analyzer/analyses/max_live.h"

namespace arenatrace::analyzer {

void MaxLiveAnalysis::OnAlloc(uint64_t, const Block& block) {
  StackState& s = stacks_[block.stack];
  s.live.Add(block.size, block.count);
  if (s.live.bytes > s.most.bytes) s.most = s.live;
}

void MaxLiveAnalysis::OnEnd() {
  profile_.measure = "most ever live at once";
  ProfileBuilder builder(state().symbols, &profile_);
  const auto& values = stacks_.values();
  for (size_t i = 0; i < values.size(); ++i) {
    const Amount& most = values[i].most;
    if (most.empty()) continue;
    builder.Add(StackId(static_cast<uint32_t>(i)), {most.bytes, most.count, 0, 0});
  }
}

}  // namespace arenatrace::analyzer
