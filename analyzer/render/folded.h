// The folded-stacks format that flamegraph.pl, inferno and speedscope read:
// one line per stack, its frames outermost first joined by ';', a space,
// its value. Frames read "function (file:line)"; ';' and control characters
// in names are replaced, so that each line parses back to the same frames.
#ifndef ARENATRACE_ANALYZER_RENDER_FOLDED_H_
#define ARENATRACE_ANALYZER_RENDER_FOLDED_H_

#include <string>

#include "analyzer/analyses/stack_profile.h"

namespace arenatrace::analyzer {

struct FoldedOptions {
  bool inverted = false;  // innermost frame first (flamegraph.pl's --reverse view of allocations)
  bool counts = false;    // blocks instead of bytes
};

std::string FoldedText(const StackProfile& profile, const FoldedOptions& options);

// The frame's label as the folded format writes it.
std::string FoldedFrameLabel(const ProfileFrame& frame);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_FOLDED_H_
