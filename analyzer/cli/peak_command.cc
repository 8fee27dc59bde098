// `arenatrace peak`: which stacks owned the heap at its high-water mark.
#include "analyzer/cli/commands.h"
#include "analyzer/cli/stack_analyses.h"

namespace arenatrace::cli {

int PeakCommand(const std::vector<std::string>& args) {
  return StackCommand(
      {"peak",
       "Which stacks owned the heap at the exact moment of its high-water mark (of the selected "
       "allocations, inside --from/--to), per process of the run.",
       StackAnalysisKind::kPeak},
      args, [](CLI::App&, StackCommandSpec*) {});
}

}  // namespace arenatrace::cli
