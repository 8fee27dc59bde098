// `arenatrace summary` and `arenatrace dump`: reading one trace.
#ifndef ARENATRACE_ANALYZER_CLI_TRACE_COMMANDS_H_
#define ARENATRACE_ANALYZER_CLI_TRACE_COMMANDS_H_

#include <string>
#include <vector>

namespace arenatrace::cli {

// Exit status: 0, or 1 when the file cannot be read, 2 on a usage error,
// 3 when the trace was cut short or damaged (what was intact is shown).
int SummaryCommand(const std::vector<std::string>& args);
int DumpCommand(const std::vector<std::string>& args);

}  // namespace arenatrace::cli

#endif  // ARENATRACE_ANALYZER_CLI_TRACE_COMMANDS_H_
