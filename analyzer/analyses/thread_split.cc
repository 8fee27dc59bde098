#include "analyzer/analyses/thread_split.h"

#include "absl/strings/str_cat.h"

namespace arenatrace::analyzer {

std::string ThreadFrameName(const ReplayState& state, uint32_t thread) {
  if (thread >= state.threads.size()) return absl::StrCat("thread ", thread);
  const ThreadInfo& info = state.threads[thread];
  return absl::StrCat("thread ", info.name.empty() ? "?" : info.name, " (", info.native_id, ")");
}

}  // namespace arenatrace::analyzer
