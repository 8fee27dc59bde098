// The `arenatrace` command: one subcommand per job.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "analyzer/cli/commands.h"
#include "analyzer/cli/run_command.h"
#include "analyzer/model/text.h"
#include "core/trace/file_format.h"

#ifndef ARENATRACE_VERSION
#define ARENATRACE_VERSION "unknown"
#endif

namespace {

struct Subcommand {
  const char* name;
  int (*run)(const std::vector<std::string>&);
  const char* what;
};

constexpr Subcommand kSubcommands[] = {
    {"run", arenatrace::cli::RunCommand,
     "run a program; its Python processes use arenatrace's allocator and are recorded"},
    {"summary", arenatrace::cli::SummaryCommand,
     "what a trace holds: totals, peaks, GC, top sites, the run's processes"},
    {"peak", arenatrace::cli::PeakCommand, "which stacks owned the heap at its high-water mark"},
    {"leaks", arenatrace::cli::LeaksCommand,
     "what the program left alive, one verdict per site, with the evidence"},
    {"temporary", arenatrace::cli::TemporaryCommand, "allocations freed almost at once, by site"},
    {"allocated", arenatrace::cli::AllocatedCommand, "everything allocated, by site"},
    {"generations", arenatrace::cli::GenerationsCommand,
     "what each phase between marks left behind; the GC per generation"},
    {"timeline", arenatrace::cli::TimelineCommand,
     "the heap by domain, RSS, GC and marks over time"},
    {"fragmentation", arenatrace::cli::FragmentationCommand,
     "pools and arenas held by few blocks, and the sites that pin them"},
    {"graph", arenatrace::cli::GraphCommand,
     "who keeps what alive: retainers and retention paths from a heap snapshot"},
    {"diff", arenatrace::cli::DiffCommand,
     "per-site differences between two traces, or two windows of one"},
    {"export", arenatrace::cli::ExportCommand,
     "a stack analysis as folded stacks, pprof or speedscope"},
    {"report", arenatrace::cli::ReportCommand,
     "one self-contained HTML page: flame graphs, timeline, leak table, GC, fragmentation"},
    {"flamegraph", arenatrace::cli::FlamegraphCommand, "a stack analysis as an HTML flame graph"},
    {"dump", arenatrace::cli::DumpCommand, "every record of a trace, one per line"},
};

void PrintUsage(FILE* out) {
  fputs("usage: arenatrace <command> [options]\n\ncommands:\n", out);
  for (const Subcommand& c : kSubcommands) fprintf(out, "  %-14s %s\n", c.name, c.what);
  fputs(
      "\n'arenatrace <command> --help' describes a command; 'arenatrace --version' says which "
      "arenatrace this is.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    PrintUsage(stdout);
    return 0;
  }
  if (command == "--version" || command == "version") {
    printf("arenatrace %s (trace format %u)\n", ARENATRACE_VERSION,
           arenatrace::trace::kFormatVersion);
    return 0;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const Subcommand& c : kSubcommands) {
    if (command == c.name) return c.run(args);
  }
  fprintf(stderr, "arenatrace: unknown command '%s' (see 'arenatrace --help')\n",
          arenatrace::analyzer::Printable(command).c_str());
  return 2;
}
