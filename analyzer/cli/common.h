// What every trace-reading subcommand shares: its options (spelled the same
// everywhere), argument parsing on CLI11 with one-line errors, finding the
// run of a root trace, resolving the selection against each trace, and
// writing the output.
#ifndef ARENATRACE_ANALYZER_CLI_COMMON_H_
#define ARENATRACE_ANALYZER_CLI_COMMON_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analyzer/model/run.h"
#include "analyzer/render/json_report.h"
#include "analyzer/replay/replay.h"
#include "analyzer/replay/selection.h"

namespace arenatrace::cli {

using analyzer::AmountJson;
using analyzer::FrameJson;
using analyzer::JsonText;
using analyzer::ProcessJson;
using analyzer::ProfileJson;

// Exit statuses of the trace commands.
inline constexpr int kOk = 0;
inline constexpr int kUnreadable = 1;  // the file is not a readable trace, or output failed
inline constexpr int kUsage = 2;
inline constexpr int kIncomplete = 3;  // shown up to the last intact chunk

// "<command>: <message>" on stderr, printable; returns `status`.
int Fail(const std::string& command, const std::string& message, int status);

struct CommonOptions {
  std::string trace;
  // Selection.
  std::vector<uint64_t> pids;
  std::vector<std::string> threads;
  std::string from;
  std::string to;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::string domain;
  // Output.
  bool json = false;
  std::string output;
  size_t top = 20;
  std::string min_share = "0";
  // Set when the same run is loaded again (diff's measures and sides): its
  // warnings and incomplete traces were said the first time.
  bool quiet = false;

  analyzer::ListLimits limits() const;
};

enum OptionSet : unsigned {
  kTraceArgument = 1 << 0,
  kSelectionOptions = 1 << 1,  // --pid --thread --from --to --include --exclude --domain
  kJsonOption = 1 << 2,
  kOutputOption = 1 << 3,  // -o/--output
  kListOptions = 1 << 4,   // --top --min-share
  kAllOptions = 0xff,
};
void AddCommonOptions(CLI::App& app, CommonOptions* options, unsigned which = kAllOptions);

// Parses `args` (the words after the subcommand). Returns -1 to go on, else
// the exit status (0 after --help; 2 after an error, said in one line with
// the usage).
int Parse(CLI::App& app, const std::vector<std::string>& args);

// The run of `options.trace`, and the processes the options select (every
// one, or those of --pid). Returns -1 to go on, else the exit status (the
// error said in one line).
struct LoadedRun {
  analyzer::Run run;
  std::vector<size_t> selected;  // indexes in run.traces
};
int LoadRun(const CLI::App& app, const CommonOptions& options, LoadedRun* loaded);

// One replay of one process, with whatever observers the command added.
struct ProcessReplay {
  size_t index;  // in the run
  std::unique_ptr<analyzer::Replay> replay;
};
// Replays the trace after `add_observers(replay, selection)` added the
// command's observers; the selection is resolved against that trace.
// Returns -1 when it was replayed, else the exit status, the reason said on
// stderr: kUsage when the options do not fit the trace (a mark it does not
// have), kUnreadable when it cannot be read.
template <class AddObservers>
int ReplayProcess(const analyzer::TraceFile& trace, const CommonOptions& options,
                  AddObservers&& add_observers, ProcessReplay* out);
bool ResolveSelection(const CommonOptions& options, const std::string& path,
                      analyzer::Selection* selection, std::string* error);

// Writes `text` to --output (or stdout). Returns false after saying why.
bool WriteOutput(const CommonOptions& options, const std::string& text);

// After the report: one line per incomplete trace on stderr; the exit status.
int FinishWithStatus(const std::vector<const ProcessReplay*>& processes, const analyzer::Run& run,
                     bool quiet = false);

template <class AddObservers>
int ReplayProcess(const analyzer::TraceFile& trace, const CommonOptions& options,
                  AddObservers&& add_observers, ProcessReplay* out) {
  analyzer::Selection selection;
  std::string error;
  if (!ResolveSelection(options, trace.path, &selection, &error)) {
    return Fail("arenatrace", error, kUsage);
  }
  out->replay = std::make_unique<analyzer::Replay>(selection);
  add_observers(*out->replay, selection);
  if (!out->replay->Run(trace.path, &error)) return Fail("arenatrace", error, kUnreadable);
  return -1;
}

}  // namespace arenatrace::cli

#endif  // ARENATRACE_ANALYZER_CLI_COMMON_H_
