// The `arenatrace` command: one subcommand per job.
#include <cstdio>
#include <string>
#include <vector>

#include "analyzer/cli/run_command.h"
#include "analyzer/cli/trace_commands.h"

namespace {

constexpr char kUsage[] =
    "usage: arenatrace <command> [options]\n"
    "\n"
    "commands:\n"
    "  run       run a program; its Python processes use arenatrace's allocator and are recorded\n"
    "  summary   what a trace holds: totals, peaks per domain, threads, GC, top allocation sites\n"
    "  dump      every record of a trace, one per line\n"
    "\n"
    "'arenatrace <command> --help' describes a command.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help") {
    fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "run") return arenatrace::cli::RunCommand(args);
  if (command == "summary") return arenatrace::cli::SummaryCommand(args);
  if (command == "dump") return arenatrace::cli::DumpCommand(args);
  fprintf(stderr, "arenatrace: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
