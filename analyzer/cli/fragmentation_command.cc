// `arenatrace fragmentation`: pools and arenas held by few blocks, and who pins them.
#include "analyzer/analyses/fragmentation.h"
#include "analyzer/cli/commands.h"
#include "analyzer/cli/process_command.h"

namespace arenatrace::cli {

int FragmentationCommand(const std::vector<std::string>& args) {
  CLI::App app(
      "How the small-object allocator's pools and arenas are held by the live blocks, at the "
      "heap's peak and at the end, and which allocation sites pin memory that cannot go back to "
      "the OS.",
      "arenatrace fragmentation");
  CommonOptions options;
  AddCommonOptions(app, &options);
  if (const int status = Parse(app, args); status >= 0) return status;
  const analyzer::ListLimits limits = options.limits();
  return ProcessCommand<analyzer::FragmentationAnalysis>(
      "fragmentation", app, options,
      [&](analyzer::FragmentationAnalysis& a, const analyzer::ReplayState&) {
        return std::make_pair(analyzer::FragmentationText(a.result(), limits),
                              analyzer::FragmentationJson(a.result(), limits));
      });
}

}  // namespace arenatrace::cli
