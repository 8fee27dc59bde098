#include "analyzer/cli/run_command.h"

#include <unistd.h>

#include <cerrno>
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
    "options:\n"
    "  --allocator=arenatrace|pymalloc  serve Python's small objects from arenatrace's\n"
    "                                   allocator (default), or keep CPython's pymalloc\n"
    "  --stats                          print allocator statistics when each Python exits\n"
    "  --stats-json=FILE                append each Python process's statistics to FILE\n"
    "                                   as one JSON line\n";

struct RunOptions {
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
    if (absl::StartsWith(arg, "--allocator=")) {
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
  if (options.stats) setenv("ARENATRACE_STATS", "1", 1);
  if (!options.stats_json.empty()) setenv("ARENATRACE_STATS_JSON", options.stats_json.c_str(), 1);

  std::vector<char*> argv;
  for (std::string& word : options.command) argv.push_back(word.data());
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  fprintf(stderr, "arenatrace run: cannot run '%s': %s\n", argv[0], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}

}  // namespace arenatrace::cli
