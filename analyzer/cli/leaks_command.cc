// `arenatrace leaks`: one verdict per allocation site, with its evidence.
#include "analyzer/cli/commands.h"
#include "analyzer/cli/stack_analyses.h"

namespace arenatrace::cli {

int LeaksCommand(const std::vector<std::string>& args) {
  return StackCommand(
      {"leaks",
       "What the program's own code left alive when it ended, one verdict per allocation site "
       "(leak, growing, plateau, retained), with the evidence: bytes and blocks alive, whether "
       "finalisation freed them, and their growth over the run.",
       StackAnalysisKind::kLeaks},
      args, [](CLI::App&, StackCommandSpec*) {});
}

}  // namespace arenatrace::cli
