// `arenatrace temporary`: allocations freed almost at once.
#include "analyzer/cli/commands.h"
#include "analyzer/cli/stack_analyses.h"

namespace arenatrace::cli {

int TemporaryCommand(const std::vector<std::string>& args) {
  return StackCommand(
      {"temporary",
       "Allocations freed before their thread allocated anything else (or, with --within N, "
       "before it made more than N other allocations), by site.",
       StackAnalysisKind::kTemporary},
      args, [](CLI::App& app, StackCommandSpec* spec) {
        app.add_option("--within", spec->within,
                       "allow up to N other allocations of the thread in between (default 0)");
      });
}

}  // namespace arenatrace::cli
