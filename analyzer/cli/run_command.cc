#include "analyzer/cli/run_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "analyzer/model/text.h"
#include "core/trace/file_format.h"
#include "core/trace/trace_reader.h"

#ifndef ARENATRACE_VERSION
#define ARENATRACE_VERSION "unknown"
#endif

namespace arenatrace::cli {
namespace {

constexpr char kRunUsage[] =
    "usage: arenatrace run [options] -- <command> [args...]\n"
    "       arenatrace run [options] <script.py> [args...]   (runs python3 from PATH)\n"
    "\n"
    "Every Python process of the command's tree is recorded: the first into the\n"
    "output file, every other one (forks, subprocesses) into <output>.<pid>, and a\n"
    "Python that exec replaces a recorded process with into <output>.<pid>[.<n>].\n"
    "While it runs, `kill -USR2 <pid>` records a mark in that process's trace, and\n"
    "`kill -USR1 <pid>` a snapshot of its object graph (see arenatrace graph).\n"
    "\n"
    "options:\n"
    "  -o FILE, --output=FILE           the trace (default: <program>.<pid>.atrace here)\n"
    "  --no-trace                       record nothing (arenatrace's allocator only)\n"
    "  --max-depth=N                    keep the innermost N Python frames per stack\n"
    "                                   (default: every frame)\n"
    "  --sample-bytes=N                 record a random sample of allocations, one per\n"
    "                                   N bytes on average, with weights (default: all)\n"
    "  --mark-signal=SIG|none           the signal that records a mark (default USR2)\n"
    "  --snapshot=final|signal|never    when snapshots of the object graph are taken:\n"
    "                                   when finalisation starts, on the snapshot signal\n"
    "                                   and on arenatrace.snapshot() (final, default); on\n"
    "                                   the signal and arenatrace.snapshot() only; never\n"
    "  --snapshot-signal=SIG|none       the signal that takes a snapshot (default USR1)\n"
    "  --allocator=arenatrace|pymalloc  serve Python's small objects from arenatrace's\n"
    "                                   allocator (default), or keep CPython's pymalloc\n"
    "  --stats                          print allocator statistics when each Python exits\n"
    "  --stats-json=FILE                append each Python process's statistics to FILE\n"
    "                                   (a regular file) as one JSON line\n"
    "  --version                        which arenatrace this is\n"
    "\n"
    "Options take their value as --name=VALUE or --name VALUE. SIGTERM, SIGINT,\n"
    "SIGHUP and SIGQUIT sent to arenatrace run are passed on to the command;\n"
    "arenatrace run exits with the command's status, or dies of its signal.\n";

struct RunOptions {
  std::string output;
  bool trace = true;
  std::string max_depth;
  std::string sample_bytes;
  std::string mark_signal;
  std::string snapshot;
  std::string snapshot_signal;
  std::string allocator = "arenatrace";
  bool stats = false;
  std::string stats_json;
  std::vector<std::string> command;
};

// One line, so that a script's log shows the error and not a page of help.
int UsageError(const std::string& message) {
  fprintf(stderr, "arenatrace run: %s (see 'arenatrace run --help')\n",
          analyzer::Printable(message).c_str());
  return 2;
}

const char* FileTypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a pipe (FIFO)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

enum class FileCheck {
  // --stats-json: a regular file, or a new name in an existing directory;
  // the preload appends one line at exit and cannot tell a full device.
  kStrict,
  // -o: the preload reports a trace it cannot write (a missing directory,
  // a full disk, /dev/full) in one line and the program runs on, as
  // documented; only what would hang the program or write over something
  // that is not a file (a directory, a FIFO, a socket, a disk) is refused.
  kTrace,
};

// Checks a file the preload is to write before the program starts, so that
// a name it cannot use is a usage error here rather than a surprise inside
// the program. Returns the absolute path, or sets `error`.
bool CheckOutputFile(const char* option, const std::string& name, size_t max_length,
                     FileCheck check, std::string* path, std::string* error) {
  if (name.empty()) {
    *error = absl::StrCat(option, " needs a file name");
    return false;
  }
  std::error_code ec;
  *path = std::filesystem::absolute(name, ec).lexically_normal().string();
  if (ec) {
    *error = absl::StrCat(option, " ", name, ": ", ec.message());
    return false;
  }
  // The preload keeps the name in a fixed buffer (no allocation inside Python).
  if (path->size() >= max_length) {
    *error = absl::StrCat(option, " ", name, ": longer than ", max_length - 1, " bytes");
    return false;
  }
  struct stat st;
  if (stat(path->c_str(), &st) == 0) {
    const bool allowed = S_ISREG(st.st_mode) || (check == FileCheck::kTrace && S_ISCHR(st.st_mode));
    if (!allowed) {
      *error =
          absl::StrCat(option, " ", name, ": ", FileTypeName(st.st_mode), ", not a regular file");
      return false;
    }
    return true;
  }
  const std::string dir = std::filesystem::path(*path).parent_path().string();
  if (check == FileCheck::kStrict && (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    *error = absl::StrCat(option, " ", name, ": ", dir, " is not a directory");
    return false;
  }
  return true;
}

// The preload library: ARENATRACE_LIBRARY, else ../lib/libarenatrace.so next
// to this executable (the layout of both the build tree and an install).
std::optional<std::string> FindPreloadLibrary() {
  if (const char* path = getenv("ARENATRACE_LIBRARY"); path != nullptr && *path != '\0') {
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(path, error);
    if (error) return std::nullopt;
    return absolute.string();
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

// "<pid>" or "<pid>.<n>"; the pid.
bool IsProcessSuffix(absl::string_view suffix, uint64_t* pid) {
  const std::vector<absl::string_view> parts = absl::StrSplit(suffix, '.');
  if (parts.size() > 2) return false;
  for (absl::string_view part : parts) {
    if (part.empty() || part.find_first_not_of("0123456789") != absl::string_view::npos) {
      return false;
    }
  }
  return absl::SimpleAtoi(parts[0], pid);
}

// Whether `path` is a trace that this run's process `pid` started: a file
// that merely has the name (junk, an earlier run's trace, a trace the
// program could not overwrite) is not reported as written.
bool IsTraceOfThisRun(const std::string& path, uint64_t pid, uint64_t started_unix_micros) {
  std::string error;
  std::unique_ptr<trace::TraceReader> reader = trace::TraceReader::Open(path, &error);
  if (!reader) return false;
  // The header's start is taken by the process itself, after our fork.
  // (Slack for a clock read at a coarser resolution, not for an earlier run.)
  constexpr uint64_t kClockSlack = 50000;
  return reader->header().pid == pid &&
         reader->header().start_unix_micros + kClockSlack >= started_unix_micros;
}

// Where the traces of a run went: the output itself (written by `root`) and
// <output>.<pid>[.<n>] for every other Python process.
std::vector<std::string> TracesWritten(const std::string& output, pid_t root,
                                       uint64_t started_unix_micros) {
  std::vector<std::string> traces;
  std::error_code error;
  const std::filesystem::path path(output);
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const std::string base = path.filename().string();
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    uint64_t pid = static_cast<uint64_t>(root);
    const bool named = name == base || (absl::StartsWith(name, base + ".") &&
                                        IsProcessSuffix(name.substr(base.size() + 1), &pid));
    // Named as the user named the output: "out.atrace", not "./out.atrace".
    const std::string shown = path.has_parent_path() ? entry.path().string() : name;
    if (named && IsTraceOfThisRun(shown, pid, started_unix_micros)) traces.push_back(shown);
  }
  std::sort(traces.begin(), traces.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return traces;
}

bool IsPythonName(const std::string& program) {
  const std::string name = std::filesystem::path(program).filename().string();
  return absl::StartsWith(name, "python");
}

// "<script or program>.<pid>.atrace" in the current directory: the script's
// name without ".py" when a Python runs one, else the program's whole name
// ("python3.11", not "python3": its dots are not an extension).
std::string DefaultOutput(const std::vector<std::string>& command, pid_t pid) {
  std::string name = std::filesystem::path(command[0]).filename().string();
  if (command.size() > 1 && IsPythonName(command[0]) && absl::EndsWith(command[1], ".py")) {
    name = std::filesystem::path(command[1]).filename().string();
  }
  if (absl::EndsWith(name, ".py") && name.size() > 3) name.resize(name.size() - 3);
  return absl::StrCat(name, ".", pid, ".atrace");
}

// The signals a supervisor or a terminal sends to stop a program
// (systemd and docker send SIGTERM). They are forwarded to the program,
// which decides what to do with them; we wait for it and take its status.
constexpr int kForwardedSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
volatile sig_atomic_t g_child = 0;

void ForwardSignal(int sig, siginfo_t* info, void*) {
  // The kernel sends the terminal's signals (Ctrl-C, Ctrl-\, a hang-up) to
  // the whole foreground process group, the program included: forwarding
  // those would deliver them twice. Signals sent with kill(2) are for us.
  if (info != nullptr && info->si_code == SI_KERNEL) return;
  const pid_t child = g_child;
  if (child > 0) {
    const int saved = errno;
    kill(child, sig);
    errno = saved;
  }
}

// Dies of the signal that killed the program, as a shell expects of a
// command that was killed; without a core of ours.
[[noreturn]] void DieOf(int sig) {
  const struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  struct sigaction action = {};
  action.sa_handler = SIG_DFL;
  sigaction(sig, &action, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(sig);
  _exit(128 + sig);  // a signal whose default is to be ignored (none of the fatal ones)
}

// Runs the command as a child, so that the traces can be reported when it
// ends; its exit status (or its death by a signal) becomes ours.
int RunAndReport(RunOptions& options) {
  std::vector<char*> argv;
  for (std::string& word : options.command) argv.push_back(word.data());
  argv.push_back(nullptr);
  const uint64_t started_unix_micros =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());

  // Signals that arrive before the child's pid is known wait, blocked, and
  // are forwarded as soon as it is.
  sigset_t forwarded, saved_mask;
  sigemptyset(&forwarded);
  for (int sig : kForwardedSignals) sigaddset(&forwarded, sig);
  sigprocmask(SIG_BLOCK, &forwarded, &saved_mask);
  std::vector<int> handled;
  for (int sig : kForwardedSignals) {
    struct sigaction old;
    sigaction(sig, nullptr, &old);
    // A signal ignored when we started (nohup, a background job) stays
    // ignored, by us and, through exec, by the program.
    if (old.sa_handler == SIG_IGN) continue;
    struct sigaction action = {};
    action.sa_sigaction = ForwardSignal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&action.sa_mask);
    sigaction(sig, &action, nullptr);
    handled.push_back(sig);
  }

  // The child reports a failed exec through this pipe (closed by a
  // successful one), so that a program that was not found is told apart
  // from a program that exits with 127.
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
    fprintf(stderr, "arenatrace run: cannot start '%s': %s\n", argv[0], strerror(errno));
    return 126;
  }
  const pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "arenatrace run: cannot start '%s': %s\n", argv[0], strerror(errno));
    return 126;
  }
  if (child == 0) {
    close(exec_pipe[0]);
    // The program starts with the caller's dispositions and mask.
    for (int sig : handled) signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, &saved_mask, nullptr);
    if (options.trace) {
      if (options.output.empty()) options.output = DefaultOutput(options.command, getpid());
      std::error_code error;  // a working directory that is gone: the name as it is
      const std::filesystem::path output = std::filesystem::absolute(options.output, error);
      setenv("ARENATRACE_OUTPUT", error ? options.output.c_str() : output.c_str(), 1);
      setenv("ARENATRACE_ROOT_PID", std::to_string(getpid()).c_str(), 1);
    }
    execvp(argv[0], argv.data());
    const int error = errno;
    ssize_t ignored = write(exec_pipe[1], &error, sizeof error);
    (void)ignored;
    _exit(error == ENOENT ? 127 : 126);
  }
  g_child = child;
  close(exec_pipe[1]);
  sigprocmask(SIG_SETMASK, &saved_mask, nullptr);
  int exec_error = 0;
  ssize_t got;
  while ((got = read(exec_pipe[0], &exec_error, sizeof exec_error)) < 0 && errno == EINTR) {
  }
  close(exec_pipe[0]);
  // Wait for the end without reaping, then stop forwarding, then reap: once
  // reaped, the pid may be reused by another process, which a late signal
  // must not reach.
  siginfo_t ended;
  while (waitid(P_PID, static_cast<id_t>(child), &ended, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  sigprocmask(SIG_BLOCK, &forwarded, nullptr);
  g_child = 0;
  sigprocmask(SIG_SETMASK, &saved_mask, nullptr);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (got == sizeof exec_error) {
    fprintf(stderr, "arenatrace run: cannot run '%s': %s\n", analyzer::Printable(argv[0]).c_str(),
            strerror(exec_error));
    return exec_error == ENOENT ? 127 : 126;
  }
  if (options.trace) {
    if (options.output.empty()) options.output = DefaultOutput(options.command, child);
    const std::vector<std::string> traces =
        TracesWritten(options.output, child, started_unix_micros);
    for (const std::string& trace : traces) {
      fprintf(stderr, "arenatrace: trace written to %s\n", analyzer::Printable(trace).c_str());
    }
    if (traces.empty()) {
      fprintf(stderr, "arenatrace: no trace written (no Python process recorded into %s)\n",
              analyzer::Printable(options.output).c_str());
    }
  }
  if (WIFSIGNALED(status)) DieOf(WTERMSIG(status));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// The value of option `name` at args[*i]: "--name=value", or "--name value"
// (also "-o value"); advances *i past a separate value. Returns false when
// args[*i] is not this option; sets `missing` when it is, without a value.
bool OptionValue(const std::vector<std::string>& args, size_t* i,
                 std::initializer_list<const char*> names, std::string* value, bool* missing) {
  const std::string& arg = args[*i];
  for (const char* name : names) {
    const std::string prefix = absl::StrCat(name, "=");
    if (absl::StartsWith(arg, prefix)) {
      *value = arg.substr(prefix.size());
      *missing = value->empty();
      return true;
    }
    if (arg == name) {
      // "-o -- python app.py" forgot the file name: "--" is not one (a name
      // that starts with "-" can be given as --output=-name or ./-name).
      *missing = *i + 1 >= args.size() || absl::StartsWith(args[*i + 1], "-");
      if (!*missing) *value = args[++*i];
      return true;
    }
  }
  return false;
}

bool IsNumber(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
         text.size() <= 18;
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
    if (arg == "--version") {
      printf("arenatrace %s (trace format %u)\n", ARENATRACE_VERSION, trace::kFormatVersion);
      return 0;
    }
    if (!absl::StartsWith(arg, "-") || arg == "-") break;
    std::string value;
    bool missing = false;
    if (OptionValue(args, &i, {"-o", "--output"}, &value, &missing)) {
      if (missing)
        return UsageError(absl::StrCat(arg.substr(0, arg.find('=')), " needs a file name"));
      options.output = value;
    } else if (arg == "--no-trace") {
      options.trace = false;
    } else if (OptionValue(args, &i, {"--max-depth"}, &value, &missing)) {
      if (missing || !IsNumber(value)) {
        return UsageError("--max-depth takes a number of frames");
      }
      options.max_depth = value;
    } else if (OptionValue(args, &i, {"--sample-bytes"}, &value, &missing)) {
      if (missing || !IsNumber(value)) return UsageError("--sample-bytes takes a number of bytes");
      options.sample_bytes = value;
    } else if (OptionValue(args, &i, {"--mark-signal"}, &value, &missing)) {
      const std::string name = absl::StartsWith(value, "SIG") ? value.substr(3) : value;
      if (missing || (name != "USR1" && name != "USR2" && name != "none")) {
        return UsageError("--mark-signal takes USR1, USR2 or none");
      }
      options.mark_signal = value;
    } else if (OptionValue(args, &i, {"--snapshot"}, &value, &missing)) {
      if (missing || (value != "final" && value != "signal" && value != "never")) {
        return UsageError("--snapshot takes final, signal or never");
      }
      options.snapshot = value;
    } else if (OptionValue(args, &i, {"--snapshot-signal"}, &value, &missing)) {
      const std::string name = absl::StartsWith(value, "SIG") ? value.substr(3) : value;
      if (missing || (name != "USR1" && name != "USR2" && name != "none")) {
        return UsageError("--snapshot-signal takes USR1, USR2 or none");
      }
      options.snapshot_signal = value;
    } else if (OptionValue(args, &i, {"--allocator"}, &value, &missing)) {
      if (value != "arenatrace" && value != "pymalloc") {
        return UsageError(
            absl::StrCat("--allocator must be arenatrace or pymalloc, not '", value, "'"));
      }
      options.allocator = value;
    } else if (arg == "--stats") {
      options.stats = true;
    } else if (OptionValue(args, &i, {"--stats-json"}, &value, &missing)) {
      std::string error;
      if (!CheckOutputFile("--stats-json", value, 1024, FileCheck::kStrict, &options.stats_json,
                           &error)) {
        return UsageError(error);
      }
    } else {
      return UsageError(absl::StrCat("unknown option '", arg, "'"));
    }
  }
  options.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (options.command.empty()) return UsageError("no command to run");
  if (absl::EndsWith(options.command[0], ".py")) {
    options.command.insert(options.command.begin(), "python3");
  }
  if (options.trace && !options.output.empty()) {
    std::string absolute, error;
    if (!CheckOutputFile("-o", options.output, 4096, FileCheck::kTrace, &absolute, &error))
      return UsageError(error);
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
  if (!options.snapshot.empty()) setenv("ARENATRACE_SNAPSHOT", options.snapshot.c_str(), 1);
  if (!options.snapshot_signal.empty()) {
    setenv("ARENATRACE_SNAPSHOT_SIGNAL", options.snapshot_signal.c_str(), 1);
  }
  unsetenv("ARENATRACE_OUTPUT");
  return RunAndReport(options);
}

}  // namespace arenatrace::cli
