// The trace-reading subcommands of `arenatrace`, one file each. Each takes
// the words after its name and returns the exit status (cli/common.h).
#ifndef ARENATRACE_ANALYZER_CLI_COMMANDS_H_
#define ARENATRACE_ANALYZER_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace arenatrace::cli {

int SummaryCommand(const std::vector<std::string>& args);
int DumpCommand(const std::vector<std::string>& args);
int PeakCommand(const std::vector<std::string>& args);
int LeaksCommand(const std::vector<std::string>& args);
int TemporaryCommand(const std::vector<std::string>& args);
int AllocatedCommand(const std::vector<std::string>& args);
int GenerationsCommand(const std::vector<std::string>& args);
int TimelineCommand(const std::vector<std::string>& args);
int FragmentationCommand(const std::vector<std::string>& args);
int GraphCommand(const std::vector<std::string>& args);
int DiffCommand(const std::vector<std::string>& args);
int ExportCommand(const std::vector<std::string>& args);
int ReportCommand(const std::vector<std::string>& args);
int FlamegraphCommand(const std::vector<std::string>& args);

}  // namespace arenatrace::cli

#endif  // ARENATRACE_ANALYZER_CLI_COMMANDS_H_
