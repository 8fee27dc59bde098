#include "analyzer/analyses/temporary.h"

namespace arenatrace::analyzer {

void TemporaryAnalysis::OnEnd() {
  profile_.measure = within_ == 0 ? "temporary (freed before the next allocation of its thread)"
                                  : "temporary (freed within N allocations of its thread)";
  ProfileBuilder builder(state().symbols, &profile_);
  const auto& values = stacks_.values();
  for (size_t i = 0; i < values.size(); ++i) {
    const StackState& s = values[i];
    if (s.temporary.empty()) continue;
    builder.Add(StackId(static_cast<uint32_t>(i)),
                {s.temporary.bytes, s.temporary.count, s.allocated.bytes, s.allocated.count});
  }
}

}  // namespace arenatrace::analyzer
