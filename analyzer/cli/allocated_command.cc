// `arenatrace allocated`: everything allocated, by site.
#include "analyzer/cli/commands.h"
#include "analyzer/cli/stack_analyses.h"

namespace arenatrace::cli {

int AllocatedCommand(const std::vector<std::string>& args) {
  return StackCommand({"allocated",
                       "Every allocation of the selection, by site and stack (a realloc counts "
                       "as an allocation of its new size).",
                       StackAnalysisKind::kAllocated},
                      args, [](CLI::App&, StackCommandSpec*) {});
}

}  // namespace arenatrace::cli
