#include "analyzer/cli/common.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analyzer/model/text.h"
#include "core/trace/file_format.h"
#include "core/trace/trace_reader.h"

#ifndef ARENATRACE_VERSION
#define ARENATRACE_VERSION "unknown"
#endif

namespace arenatrace::cli {

analyzer::ListLimits CommonOptions::limits() const {
  analyzer::ListLimits limits;
  limits.top = top;
  std::string share = min_share;
  double value = 0;
  const bool percent = absl::EndsWith(share, "%");
  if (percent) share.pop_back();
  if (absl::SimpleAtod(share, &value)) limits.min_share = percent ? value / 100 : value;
  return limits;
}

void AddCommonOptions(CLI::App& app, CommonOptions* o, unsigned which) {
  if (which & kTraceArgument) {
    app.add_option("trace", o->trace,
                   "the root trace of a run (its children, <trace>.<pid>, are found beside it)")
        ->required();
  }
  if (which & kSelectionOptions) {
    // Repeatable options take one value each time, so that the trace after
    // them stays the trace (`--thread a --thread b TRACE`).
    app.add_option("--pid", o->pids, "only these processes of the run (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--thread", o->threads,
                   "only allocations of these threads: a native thread id, or a glob on the "
                   "thread's names (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--from", o->from,
                   "only allocations made from this moment: seconds (1.5, 1.5s, 300ms, 40us) or "
                   "mark:LABEL / mark:N");
    app.add_option("--to", o->to, "only allocations made before this moment (same forms)");
    app.add_option("--include", o->include,
                   "only stacks with a frame in a file matching this glob (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--exclude", o->exclude,
                   "leave out stacks with a frame in a file matching this glob (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--domain", o->domain,
                   "only one domain: raw, mem, obj (CPython's allocators) or traced (blocks "
                   "extensions report with PyTraceMalloc_Track: numpy's arrays)")
        ->check(CLI::IsMember({"raw", "mem", "obj", "traced"}));
  }
  if (which & kJsonOption) app.add_flag("--json", o->json, "JSON instead of text");
  if (which & kOutputOption) {
    app.add_option("-o,--output", o->output, "write to this file instead of standard output");
  }
  if (which & kListOptions) {
    // A size_t: CLI11 refuses a negative or non-numeric value itself, in
    // plainer words than a range check ("Could not convert: --top = abc").
    app.add_option("--top", o->top, "rows per list (default 20)");
    app.add_option("--min-share", o->min_share,
                   "leave out rows below this share of the total: 0.01 or 1%")
        ->check([](const std::string& text) -> std::string {
          std::string s = text;
          if (absl::EndsWith(s, "%")) s.pop_back();
          double v;
          return absl::SimpleAtod(s, &v) && v >= 0 ? "" : "a share: 0.01 or 1%";
        });
  }
}

int Parse(CLI::App& app, const std::vector<std::string>& args) {
  app.set_version_flag("--version", "arenatrace " ARENATRACE_VERSION);
  std::vector<const char*> argv = {app.get_name().c_str()};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    fputs(app.help().c_str(), stdout);
    return kOk;
  } catch (const CLI::CallForVersion&) {
    printf("arenatrace %s (trace format %u)\n", ARENATRACE_VERSION, trace::kFormatVersion);
    return kOk;
  } catch (const CLI::ParseError& e) {
    // One line: a script's log shows the error, not a page of help.
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    fprintf(stderr, "%s: %s (see '%s --help')\n", app.get_name().c_str(),
            analyzer::Printable(what).c_str(), app.get_name().c_str());
    return kUsage;
  }
  return -1;
}

int Fail(const std::string& command, const std::string& message, int status) {
  fprintf(stderr, "%s: %s\n", command.c_str(), analyzer::Printable(message).c_str());
  return status;
}

int LoadRun(const CLI::App& app, const CommonOptions& options, LoadedRun* loaded) {
  std::string error;
  if (!analyzer::FindRun(options.trace, &loaded->run, &error)) {
    return Fail("arenatrace", error, kUnreadable);
  }
  for (size_t i = 0; i < loaded->run.traces.size(); ++i) {
    const uint64_t pid = loaded->run.traces[i].header.pid;
    if (options.pids.empty() ||
        std::find(options.pids.begin(), options.pids.end(), pid) != options.pids.end()) {
      loaded->selected.push_back(i);
    }
  }
  if (loaded->selected.empty()) {
    std::string pids;
    for (const auto& t : loaded->run.traces)
      absl::StrAppend(&pids, pids.empty() ? "" : ", ", t.header.pid);
    return Fail(app.get_name(),
                absl::StrCat("no process of this run has that pid (its processes: ", pids, ")"),
                kUsage);
  }
  for (const std::string& warning : loaded->run.warnings) {
    if (options.quiet) break;
    fprintf(stderr, "arenatrace: %s\n", analyzer::Printable(warning).c_str());
  }
  return -1;
}

namespace {

// What the selection needs to know of a trace before its replay: thread
// names (they arrive after the threads' first events) and marks.
struct TraceIndex {
  std::vector<uint64_t> native_ids;
  std::vector<std::vector<std::string>> names;
  struct Mark {
    uint64_t micros;
    uint64_t seq;  // allocations before it, as the replay counts them
    std::string label;
  };
  std::vector<Mark> marks;
  uint64_t now = 0;
  uint64_t seq = 0;
  template <class R>
  void operator()(const R& r) {
    if constexpr (std::is_same_v<R, trace::Alloc> || std::is_same_v<R, trace::AllocWeighted> ||
                  std::is_same_v<R, trace::Realloc>) {
      ++seq;
    } else if constexpr (std::is_same_v<R, trace::Time>) {
      now = std::max(now, r.micros);
    } else if constexpr (std::is_same_v<R, trace::ThreadStart>) {
      if (r.thread <= native_ids.size()) {  // the replay refuses any other
        if (r.thread == native_ids.size()) {
          native_ids.push_back(r.native_id);
          names.emplace_back();
        }
        names[r.thread].push_back(r.name);
      }
    } else if constexpr (std::is_same_v<R, trace::ThreadName>) {
      if (r.thread < names.size()) names[r.thread].push_back(r.name);
    } else if constexpr (std::is_same_v<R, trace::Mark>) {
      marks.push_back({now, seq, r.label});
    }
  }
};

bool ScanTrace(const std::string& path, TraceIndex* index, std::string* error) {
  std::unique_ptr<trace::TraceReader> reader = trace::TraceReader::Open(path, error);
  if (!reader) return false;
  reader->ReadRecords(*index);  // damage is reported by the replay itself
  return true;
}

// Seconds with an optional unit, or a mark (then also its allocation
// sequence number, in `seq`); microseconds.
bool ParseMoment(const std::string& text, const TraceIndex* index, uint64_t* micros, uint64_t* seq,
                 std::string* error) {
  if (absl::StartsWith(text, "mark:")) {
    const std::string label = text.substr(5);
    for (const TraceIndex::Mark& mark : index->marks) {
      if (mark.label == label) {
        *micros = mark.micros;
        *seq = mark.seq;
        return true;
      }
    }
    size_t n = 0;
    if (absl::SimpleAtoi(label, &n) && n >= 1 && n <= index->marks.size()) {
      *micros = index->marks[n - 1].micros;
      *seq = index->marks[n - 1].seq;
      return true;
    }
    *error = absl::StrCat("no mark '", label, "' in ", index->marks.size(), " marks");
    return false;
  }
  std::string number = absl::AsciiStrToLower(text);
  double scale = 1e6;
  for (const auto& [suffix, factor] :
       std::vector<std::pair<std::string, double>>{{"us", 1}, {"ms", 1e3}, {"s", 1e6}}) {
    if (absl::EndsWith(number, suffix)) {
      number.resize(number.size() - suffix.size());
      scale = factor;
      break;
    }
  }
  double value = 0;
  if (!absl::SimpleAtod(number, &value) || value < 0) {
    *error = absl::StrCat("'", text, "' is not a moment (1.5, 1.5s, 300ms, 40us, mark:LABEL)");
    return false;
  }
  *micros = static_cast<uint64_t>(value * scale);
  return true;
}

}  // namespace

bool ResolveSelection(const CommonOptions& options, const std::string& path,
                      analyzer::Selection* selection, std::string* error) {
  selection->include_files = options.include;
  selection->exclude_files = options.exclude;
  if (options.domain == "raw") selection->domain = trace::Domain::kRaw;
  if (options.domain == "mem") selection->domain = trace::Domain::kMem;
  if (options.domain == "obj") selection->domain = trace::Domain::kObj;
  if (options.domain == "traced") selection->domain = trace::Domain::kTraced;
  const bool needs_marks =
      absl::StartsWith(options.from, "mark:") || absl::StartsWith(options.to, "mark:");
  TraceIndex index;
  if ((!options.threads.empty() || needs_marks) && !ScanTrace(path, &index, error)) return false;
  // A mark cuts by allocation sequence, exactly; its time (at the clock's
  // resolution) is not used then.
  uint64_t from_seq = 0, to_seq = UINT64_MAX;
  if (!options.from.empty() &&
      !ParseMoment(options.from, &index, &selection->from_micros, &from_seq, error)) {
    return false;
  }
  if (!options.to.empty() &&
      !ParseMoment(options.to, &index, &selection->to_micros, &to_seq, error)) {
    return false;
  }
  if (absl::StartsWith(options.from, "mark:")) {
    selection->after_seq = from_seq;
    selection->from_micros = 0;
  }
  if (absl::StartsWith(options.to, "mark:")) {
    selection->to_seq = to_seq;
    selection->to_micros = UINT64_MAX;
  }
  if (selection->from_micros >= selection->to_micros || selection->after_seq > selection->to_seq) {
    *error = "--from must come before --to";
    return false;
  }
  if (!options.threads.empty()) {
    selection->threads.emplace();
    for (size_t t = 0; t < index.native_ids.size(); ++t) {
      for (const std::string& spec : options.threads) {
        uint64_t tid = 0;
        bool match = absl::SimpleAtoi(spec, &tid) && tid == index.native_ids[t];
        for (const std::string& name : index.names[t]) {
          match = match || fnmatch(spec.c_str(), name.c_str(), 0) == 0;
        }
        if (match) selection->threads->insert(static_cast<uint32_t>(t));
      }
    }
    // Not an error (another process of the run may have the thread), but an
    // empty answer must not look like a thread that allocated nothing. Said
    // once per trace, however many replays read it.
    static absl::flat_hash_set<std::string> warned;
    if (selection->threads->empty() && warned.insert(path).second) {
      std::string names;
      for (size_t t = 0; t < index.native_ids.size(); ++t) {
        absl::StrAppend(&names, t == 0 ? "" : ", ",
                        index.names[t].empty() ? "?" : index.names[t].back(), " (",
                        index.native_ids[t], ")");
      }
      fprintf(stderr, "arenatrace: %s: --thread %s matches none of its threads (%s)\n",
              analyzer::Printable(path).c_str(),
              analyzer::Printable(absl::StrJoin(options.threads, ", --thread ")).c_str(),
              analyzer::Printable(names).c_str());
    }
  }
  return true;
}

bool WriteOutput(const CommonOptions& options, const std::string& text) {
  int fd = STDOUT_FILENO;
  if (!options.output.empty() && options.output != "-") {
    fd = open(options.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      Fail("arenatrace", absl::StrCat("cannot write ", options.output, ": ", strerror(errno)),
           kUnreadable);
      return false;
    }
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Fail("arenatrace",
           absl::StrCat("cannot write ", options.output.empty() ? "the output" : options.output,
                        ": ", strerror(n < 0 ? errno : ENOSPC)),
           kUnreadable);
      if (fd != STDOUT_FILENO) close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (fd != STDOUT_FILENO && close(fd) != 0) {
    Fail("arenatrace", absl::StrCat("cannot write ", options.output, ": ", strerror(errno)),
         kUnreadable);
    return false;
  }
  return true;
}

int FinishWithStatus(const std::vector<const ProcessReplay*>& processes, const analyzer::Run& run,
                     bool quiet) {
  int status = kOk;
  for (const ProcessReplay* p : processes) {
    const analyzer::ReplayState& s = p->replay->state();
    if (s.Complete()) continue;
    status = kIncomplete;
    if (quiet) continue;
    fprintf(
        stderr, "arenatrace: %s: the trace is incomplete (%s); shown up to its last intact chunk\n",
        analyzer::Printable(run.traces[p->index].path).c_str(),
        analyzer::Printable(s.problem.empty() ? "the process ended without closing it" : s.problem)
            .c_str());
  }
  return status;
}

}  // namespace arenatrace::cli
