#include "analyzer/analyses/allocated.h"

namespace arenatrace::analyzer {

void AllocatedAnalysis::OnEnd() {
  profile_.measure = "allocated";
  ProfileBuilder builder(state().symbols, &profile_);
  const auto& values = allocated_.values();
  for (size_t i = 0; i < values.size(); ++i) {
    const Amount& a = values[i];
    if (a.empty()) continue;
    builder.Add(StackId(static_cast<uint32_t>(i)), {a.bytes, a.count, a.bytes, a.count});
  }
}

}  // namespace arenatrace::analyzer
