#include "analyzer/render/folded.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "analyzer/render/format.h"

namespace arenatrace::analyzer {

std::string FoldedFrameLabel(const ProfileFrame& frame) {
  std::string label = FrameLabel(frame);  // printable: no newline or control character
  std::replace(label.begin(), label.end(), ';', ',');
  return label;
}

std::string FoldedText(const StackProfile& profile, const FoldedOptions& options) {
  std::vector<std::string> labels;
  labels.reserve(profile.frames().size());
  for (const ProfileFrame& frame : profile.frames()) labels.push_back(FoldedFrameLabel(frame));
  std::string out;
  const auto& nodes = profile.nodes();
  for (uint32_t i = 1; i < nodes.size(); ++i) {
    const int64_t value = options.counts ? nodes[i].self.count : nodes[i].self.bytes;
    if (value == 0) continue;
    std::vector<uint32_t> frames = profile.FramesOf(i);  // innermost first
    if (!options.inverted) std::reverse(frames.begin(), frames.end());
    for (size_t k = 0; k < frames.size(); ++k) {
      if (k) out.push_back(';');
      out.append(labels[frames[k]]);
    }
    absl::StrAppend(&out, " ", value, "\n");
  }
  return out;
}

}  // namespace arenatrace::analyzer
