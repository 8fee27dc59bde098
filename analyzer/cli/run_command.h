// `arenatrace run`: start a program with the preload set.
#ifndef ARENATRACE_ANALYZER_CLI_RUN_COMMAND_H_
#define ARENATRACE_ANALYZER_CLI_RUN_COMMAND_H_

#include <string>
#include <vector>

namespace arenatrace::cli {

// Parses `args` (what follows "run"), sets the environment and execs the
// program. Returns only on error, with the exit status to use.
int RunCommand(const std::vector<std::string>& args);

}  // namespace arenatrace::cli

#endif  // ARENATRACE_ANALYZER_CLI_RUN_COMMAND_H_
