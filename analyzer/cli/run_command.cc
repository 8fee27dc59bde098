#include "analyzer/cli/run_command.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace arenatrace::cli {
namespace {

constexpr char kRunUsage[] =
    "usage: arenatrace run [options] -- <command> [args...]\n"
    "       arenatrace run [options] <script.py> [args...]   (runs python3 from PATH)\n"
    "\n"
    "Every Python process of the command's tree is recorded: the first into the\n"
    "output file, every other one (forks, subprocesses) into <output>.<pid>, and a\n"
    "Python that exec replaces a recorded process with into <output>.<pid>[.<n>].\n"
    "While it runs, `kill -USR2 <pid>` records a mark in that process's trace.\n"
    "\n"
    "options:\n"
    "  -o FILE, --output=FILE           the trace (default: <program>.<pid>.atrace here)\n"
    "  --no-trace                       record nothing (arenatrace's allocator only)\n"
    "  --max-depth=N                    keep the innermost N Python frames per stack\n"
    "                                   (default: every frame)\n"
    "  --sample-bytes=N                 record a random sample of allocations, one per\n"
    "                                   N bytes on average, with weights (default: all)\n"
    "  --mark-signal=SIG|none           the signal that records a mark (default USR2)\n"
    "  --allocator=arenatrace|pymalloc  serve Python's small objects from arenatrace's\n"
    "                                   allocator (default), or keep CPython's pymalloc\n"
    "  --stats                          print allocator statistics when each Python exits\n"
    "  --stats-json=FILE                append each Python process's statistics to FILE\n"
    "                                   as one JSON line\n";

struct RunOptions {
  std::string output;
  bool trace = true;
  std::string max_depth;
  std::string sample_bytes;
  std::string mark_signal;
  std::string allocator = "arenatrace";
  bool stats = false;
  std::string stats_json;
  std::vector<std::string> command;
};

int UsageError(const std::string& message) {
  fprintf(stderr, "arenatrace run: %s\n\n%s", message.c_str(), kRunUsage);
  return 2;
}

// The preload library: ARENATRACE_LIBRARY, else ../lib/libarenatrace.so next
// to this executable (the layout of both the build tree and an install).
std::optional<std::string> FindPreloadLibrary() {
  if (const char* path = getenv("ARENATRACE_LIBRARY"); path != nullptr && *path != '\0') {
    return std::filesystem::absolute(path).string();
  }
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return std::nullopt;
  const std::filesystem::path library =
      self.parent_path().parent_path() / "lib" / "libarenatrace.so";
  if (!std::filesystem::exists(library, error)) return std::nullopt;
  return library.lexically_normal().string();
}

// Puts the library first in LD_PRELOAD, keeping what the user had.
std::string PreloadValue(const std::string& library) {
  const char* existing = getenv("LD_PRELOAD");
  std::vector<std::string> entries = {library};
  if (existing != nullptr) {
    for (absl::string_view entry :
         absl::StrSplit(existing, absl::ByAnyChar(": "), absl::SkipEmpty())) {
      if (entry != library) entries.emplace_back(entry);
    }
  }
  return absl::StrJoin(entries, ":");
}

// "<pid>" or "<pid>.<n>".
bool IsProcessSuffix(absl::string_view suffix) {
  const std::vector<absl::string_view> parts = absl::StrSplit(suffix, '.');
  if (parts.size() > 2) return false;
  for (absl::string_view part : parts) {
    if (part.empty() || part.find_first_not_of("0123456789") != absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

// Where the traces of a run went: the output itself and <output>.<pid>[.<n>]
// for every other Python process, written since `started`.
std::vector<std::string> TracesWritten(const std::string& output,
                                       std::filesystem::file_time_type started) {
  std::vector<std::string> traces;
  std::error_code error;
  const std::filesystem::path path(output);
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const std::string base = path.filename().string();
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    const bool ours = name == base || (absl::StartsWith(name, base + ".") &&
                                       IsProcessSuffix(name.substr(base.size() + 1)));
    if (ours && entry.last_write_time(error) >= started) traces.push_back(entry.path().string());
  }
  std::sort(traces.begin(), traces.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return traces;
}

// "<script or program>.<pid>.atrace" in the current directory.
std::string DefaultOutput(const std::vector<std::string>& command, pid_t pid) {
  const bool script = command.size() > 1 && command[0] == "python3";
  return absl::StrCat(std::filesystem::path(command[script ? 1 : 0]).stem().string(), ".", pid,
                      ".atrace");
}

// Runs the command as a child, so that the traces can be reported when it
// ends; its exit status (or its death by a signal) becomes ours.
int RunAndReport(RunOptions& options) {
  std::vector<char*> argv;
  for (std::string& word : options.command) argv.push_back(word.data());
  argv.push_back(nullptr);
  const auto started = std::filesystem::file_time_type::clock::now() - std::chrono::seconds(1);

  // Interrupts from the terminal reach the whole process group: the program
  // decides what to do with them, and we wait for it.
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  const pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "arenatrace run: cannot start '%s': %s\n", argv[0], strerror(errno));
    return 126;
  }
  if (child == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    if (options.trace) {
      if (options.output.empty()) options.output = DefaultOutput(options.command, getpid());
      setenv("ARENATRACE_OUTPUT", std::filesystem::absolute(options.output).c_str(), 1);
      setenv("ARENATRACE_ROOT_PID", std::to_string(getpid()).c_str(), 1);
    }
    execvp(argv[0], argv.data());
    fprintf(stderr, "arenatrace run: cannot run '%s': %s\n", argv[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (options.trace) {
    if (options.output.empty()) options.output = DefaultOutput(options.command, child);
    for (const std::string& trace : TracesWritten(options.output, started)) {
      fprintf(stderr, "arenatrace: trace written to %s\n", trace.c_str());
    }
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    signal(sig, SIG_DFL);
    raise(sig);
    return 128 + sig;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  RunOptions options;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "-h" || arg == "--help") {
      fputs(kRunUsage, stdout);
      return 0;
    }
    if (!absl::StartsWith(arg, "-")) break;
    if (arg == "-o" && i + 1 < args.size()) {
      options.output = args[++i];
    } else if (absl::StartsWith(arg, "--output=")) {
      options.output = arg.substr(strlen("--output="));
    } else if (arg == "--no-trace") {
      options.trace = false;
    } else if (absl::StartsWith(arg, "--max-depth=")) {
      options.max_depth = arg.substr(strlen("--max-depth="));
      if (options.max_depth.empty() ||
          options.max_depth.find_first_not_of("0123456789") != std::string::npos) {
        return UsageError("--max-depth takes a number of frames");
      }
    } else if (absl::StartsWith(arg, "--sample-bytes=")) {
      options.sample_bytes = arg.substr(strlen("--sample-bytes="));
      if (options.sample_bytes.empty() ||
          options.sample_bytes.find_first_not_of("0123456789") != std::string::npos) {
        return UsageError("--sample-bytes takes a number of bytes");
      }
    } else if (absl::StartsWith(arg, "--mark-signal=")) {
      options.mark_signal = arg.substr(strlen("--mark-signal="));
      const std::string name = absl::StartsWith(options.mark_signal, "SIG")
                                   ? options.mark_signal.substr(3)
                                   : options.mark_signal;
      if (name != "USR1" && name != "USR2" && name != "none") {
        return UsageError("--mark-signal takes USR1, USR2 or none");
      }
    } else if (absl::StartsWith(arg, "--allocator=")) {
      options.allocator = arg.substr(strlen("--allocator="));
      if (options.allocator != "arenatrace" && options.allocator != "pymalloc") {
        return UsageError(absl::StrCat("--allocator must be arenatrace or pymalloc, not '",
                                       options.allocator, "'"));
      }
    } else if (arg == "--stats") {
      options.stats = true;
    } else if (absl::StartsWith(arg, "--stats-json=")) {
      options.stats_json = std::filesystem::absolute(arg.substr(strlen("--stats-json="))).string();
    } else {
      return UsageError(absl::StrCat("unknown option '", arg, "'"));
    }
  }
  options.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (options.command.empty()) return UsageError("no command to run");
  if (absl::EndsWith(options.command[0], ".py")) {
    options.command.insert(options.command.begin(), "python3");
  }

  const std::optional<std::string> library = FindPreloadLibrary();
  if (!library) {
    fprintf(stderr,
            "arenatrace run: cannot find libarenatrace.so (looked in ../lib next to this "
            "program; set ARENATRACE_LIBRARY to its path)\n");
    return 2;
  }
  setenv("LD_PRELOAD", PreloadValue(*library).c_str(), 1);
  setenv("ARENATRACE_ALLOCATOR", options.allocator.c_str(), 1);
  // The tables go to our own stderr (the user's terminal), reopened by each
  // process: not into a pipe where a program collects its children's stderr.
  if (options.stats) {
    setenv("ARENATRACE_STATS", ("/proc/" + std::to_string(getpid()) + "/fd/2").c_str(), 1);
  }
  if (!options.stats_json.empty()) setenv("ARENATRACE_STATS_JSON", options.stats_json.c_str(), 1);
  if (!options.max_depth.empty()) setenv("ARENATRACE_MAX_DEPTH", options.max_depth.c_str(), 1);
  if (!options.sample_bytes.empty()) {
    setenv("ARENATRACE_SAMPLE_BYTES", options.sample_bytes.c_str(), 1);
  }
  if (!options.mark_signal.empty()) {
    setenv("ARENATRACE_MARK_SIGNAL", options.mark_signal.c_str(), 1);
  }
  unsetenv("ARENATRACE_OUTPUT");
  return RunAndReport(options);
}

}  // namespace arenatrace::cli
