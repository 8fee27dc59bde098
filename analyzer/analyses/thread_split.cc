#include "analyzer/analyses/thread_split.h"

#include "absl/strings/str_cat.h"

namespace arenatrace::analyzer {

std::string ThreadFrameName(const ReplayState& state, uint32_t thread) {
  if (thread >= state.threads.size()) return absl::StrCat("thread ", thread);
  const ThreadInfo& info = state.threads[thread];
  return absl::StrCat("thread ", info.name.empty() ? "?" : info.name, " (", info.native_id, ")");
}

StackProfile ThreadSplitResult::Split(const StackProfile& whole) const {
  // The first thread's part: the whole, bytes and count only, less each
  // other thread's stacks (their thread frames mapped onto the root).
  StackProfile first;
  {
    std::vector<uint32_t> mapped(whole.nodes().size(), 0);
    for (size_t i = 1; i < whole.nodes().size(); ++i) {
      const StackProfile::Node& node = whole.nodes()[i];
      mapped[i] = first.Child(mapped[node.parent], first.InternFrame(whole.frames()[node.frame]));
      first.AddSelf(mapped[i], {node.self.bytes, node.self.count, 0, 0});
    }
  }
  std::vector<uint32_t> mapped(others.nodes().size(), 0);
  for (size_t i = 1; i < others.nodes().size(); ++i) {
    const StackProfile::Node& node = others.nodes()[i];
    if (node.parent == 0) continue;  // a thread's frame: its stacks go under the root
    mapped[i] = first.Child(mapped[node.parent], first.InternFrame(others.frames()[node.frame]));
    first.AddSelf(mapped[i], {-node.self.bytes, -node.self.count, 0, 0});
  }

  StackProfile split;
  split.measure = whole.measure + ", by thread";
  const ProfileValues first_total = first.Total();
  if (first_total.bytes != 0 || first_total.count != 0) {
    split.Merge(first, split.Child(0, split.InternFrame({first_thread, "", 0, 0})));
  }
  split.Merge(others);
  return split;
}

}  // namespace arenatrace::analyzer
