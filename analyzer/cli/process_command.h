// The shape of the commands that run one analysis (not a stack analysis)
// on every selected process of a run and print a section per process:
// generations, timeline, fragmentation.
#ifndef ARENATRACE_ANALYZER_CLI_PROCESS_COMMAND_H_
#define ARENATRACE_ANALYZER_CLI_PROCESS_COMMAND_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "analyzer/cli/common.h"
#include "analyzer/model/text.h"
#include "analyzer/render/text_report.h"

namespace arenatrace::cli {

// `Analysis` is an observer type, default-constructible; `render` turns one
// (after its replay) into (text, json).
template <class Analysis, class Render>
int ProcessCommand(const char* name, const CLI::App& app, const CommonOptions& options,
                   Render&& render) {
  LoadedRun loaded;
  if (const int status = LoadRun(app, options, &loaded); status >= 0) return status;
  std::vector<ProcessReplay> replays;
  std::vector<std::unique_ptr<Analysis>> analyses;
  for (size_t index : loaded.selected) {
    ProcessReplay replay{index, nullptr};
    auto analysis = std::make_unique<Analysis>();
    const int status = ReplayProcess(
        loaded.run.traces[index], options,
        [&](analyzer::Replay& r, const analyzer::Selection&) { r.Add(analysis.get()); }, &replay);
    if (status >= 0) return status;
    replays.push_back(std::move(replay));
    analyses.push_back(std::move(analysis));
  }
  std::string out;
  nlohmann::json processes = nlohmann::json::array();
  if (!options.json) {
    absl::StrAppend(&out, "arenatrace ", name, " of ", analyzer::Printable(options.trace), "\n");
  }
  for (size_t i = 0; i < replays.size(); ++i) {
    const analyzer::TraceFile& trace = loaded.run.traces[replays[i].index];
    const analyzer::ReplayState& state = replays[i].replay->state();
    auto [text, json] = render(*analyses[i], state);
    if (options.json) {
      nlohmann::json process = ProcessJson(trace, &state);
      process[name] = json;
      processes.push_back(process);
    } else {
      absl::StrAppend(&out, "\n", ProcessHeadingText(trace, state), text);
    }
  }
  if (options.json) {
    out = JsonText({{"command", name},
                    {"trace", options.trace},
                    {"processes", processes},
                    {"run_warnings", loaded.run.warnings}});
  }
  if (!WriteOutput(options, out)) return kUnreadable;
  std::vector<const ProcessReplay*> pointers;
  for (const ProcessReplay& r : replays) pointers.push_back(&r);
  return FinishWithStatus(pointers, loaded.run);
}

}  // namespace arenatrace::cli

#endif  // ARENATRACE_ANALYZER_CLI_PROCESS_COMMAND_H_
