#include "analyzer/cli/trace_commands.h"

#include <cstdio>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "analyzer/replay/trace_model.h"
#include "analyzer/reports/summary.h"
#include "core/trace/record_codec.h"
#include "core/trace/trace_reader.h"

namespace arenatrace::cli {
namespace {

constexpr int kIncompleteTrace = 3;

int Usage(const char* command, const std::string& message, const char* usage) {
  fprintf(stderr, "arenatrace %s: %s\n\nusage: %s\n", command, message.c_str(), usage);
  return 2;
}

// One line per record, for `dump`.
class RecordPrinter {
 public:
  explicit RecordPrinter(FILE* out) : out_(out) {}

  template <class R>
  void operator()(const R& r) {
    using T = std::decay_t<R>;
    std::string line;
    if constexpr (std::is_same_v<T, trace::Time>) {
      now_ = r.micros;
      return;
    } else if constexpr (std::is_same_v<T, trace::ThreadSwitch>) {
      thread_ = r.thread;
      return;
    } else if constexpr (std::is_same_v<T, trace::Alloc>) {
      line = absl::StrFormat("alloc %s %#x %d stack=%d", trace::DomainName(r.domain), r.address,
                             r.size, r.stack);
    } else if constexpr (std::is_same_v<T, trace::AllocWeighted>) {
      line = absl::StrFormat("alloc %s %#x %d stack=%d weight=%d", trace::DomainName(r.domain),
                             r.address, r.size, r.stack, r.weight);
    } else if constexpr (std::is_same_v<T, trace::Free>) {
      line = absl::StrFormat("free %s %#x", trace::DomainName(r.domain), r.address);
    } else if constexpr (std::is_same_v<T, trace::Realloc>) {
      line = absl::StrFormat("realloc %s %#x -> %#x %d stack=%d", trace::DomainName(r.domain),
                             r.old_address, r.address, r.size, r.stack);
    } else if constexpr (std::is_same_v<T, trace::Code>) {
      line = absl::StrFormat("code %d %s %s:%d", r.id, r.qualified_name, r.file, r.first_line);
    } else if constexpr (std::is_same_v<T, trace::Frame>) {
      line = absl::StrFormat("frame %d code=%d line=%d", r.id, r.code, r.line);
    } else if constexpr (std::is_same_v<T, trace::Stack>) {
      line = absl::StrFormat("stack %d parent=%d frame=%d", r.id, r.parent, r.frame);
    } else if constexpr (std::is_same_v<T, trace::ThreadStart>) {
      line = absl::StrFormat("thread-start %d tid=%d name=%s", r.thread, r.native_id, r.name);
    } else if constexpr (std::is_same_v<T, trace::ThreadName>) {
      line = absl::StrFormat("thread-name %d %s", r.thread, r.name);
    } else if constexpr (std::is_same_v<T, trace::Rss>) {
      line = absl::StrFormat("rss %d", r.bytes);
    } else if constexpr (std::is_same_v<T, trace::GcStart>) {
      line = absl::StrFormat("gc-start generation=%d", r.generation);
    } else if constexpr (std::is_same_v<T, trace::GcStop>) {
      line = absl::StrFormat("gc-stop generation=%d collected=%d uncollectable=%d", r.generation,
                             r.collected, r.uncollectable);
    } else if constexpr (std::is_same_v<T, trace::Mark>) {
      line = absl::StrCat("mark ", r.label);
    } else if constexpr (std::is_same_v<T, trace::SnapshotRequest>) {
      line = absl::StrCat("snapshot-request ", r.label);
    } else if constexpr (std::is_same_v<T, trace::Finalizing>) {
      line = "finalizing";
    } else if constexpr (std::is_same_v<T, trace::Fork>) {
      line = absl::StrFormat("fork child=%d", r.child_pid);
    } else if constexpr (std::is_same_v<T, trace::Pause>) {
      line = "pause";
    } else if constexpr (std::is_same_v<T, trace::Resume>) {
      line = "resume";
    } else if constexpr (std::is_same_v<T, trace::Exec>) {
      line = absl::StrCat("exec ", r.path);
    } else if constexpr (std::is_same_v<T, trace::End>) {
      line = "end";
    } else if constexpr (std::is_same_v<T, trace::Lost>) {
      line = absl::StrFormat("lost %d (%s)", r.events, r.reason);
    }
    absl::FPrintF(out_, "%10.3fms t%d %s\n", now_ / 1000.0, thread_, line);
  }

 private:
  FILE* out_;
  uint64_t now_ = 0;
  uint64_t thread_ = 0;
};

}  // namespace

int SummaryCommand(const std::vector<std::string>& args) {
  constexpr char kUsage[] = "arenatrace summary [--json] [--top N] <trace>";
  bool json = false;
  int top = 10;
  std::string path;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--top" && i + 1 < args.size()) {
      if (!absl::SimpleAtoi(args[++i], &top) || top < 0) {
        return Usage("summary", "--top takes a number", kUsage);
      }
    } else if (absl::StartsWith(args[i], "-")) {
      return Usage("summary", absl::StrCat("unknown option '", args[i], "'"), kUsage);
    } else if (path.empty()) {
      path = args[i];
    } else {
      return Usage("summary", "one trace at a time", kUsage);
    }
  }
  if (path.empty()) return Usage("summary", "which trace?", kUsage);
  analyzer::TraceModel model;
  std::string error;
  if (!analyzer::ReplayTrace(path, &model, &error)) {
    fprintf(stderr, "arenatrace: %s\n", error.c_str());
    return 1;
  }
  const std::string report =
      json ? analyzer::SummaryJson(path, model, top) : analyzer::SummaryText(path, model, top);
  fputs(report.c_str(), stdout);
  if (!model.Complete()) {
    fprintf(stderr,
            "arenatrace: %s: the trace is incomplete (%s); shown up to its last intact chunk\n",
            path.c_str(),
            model.problem.empty() ? "the process ended without closing it" : model.problem.c_str());
    return kIncompleteTrace;
  }
  return 0;
}

int DumpCommand(const std::vector<std::string>& args) {
  constexpr char kUsage[] = "arenatrace dump <trace>";
  if (args.size() != 1 || absl::StartsWith(args[0], "-")) {
    return Usage("dump", args.empty() ? "which trace?" : "one trace, no options", kUsage);
  }
  std::string error;
  std::unique_ptr<trace::TraceReader> reader = trace::TraceReader::Open(args[0], &error);
  if (!reader) {
    fprintf(stderr, "arenatrace: %s\n", error.c_str());
    return 1;
  }
  const trace::Header& h = reader->header();
  printf("header pid=%lu ppid=%lu python=%s allocator=%s argv=[%s]\n",
         static_cast<unsigned long>(h.pid), static_cast<unsigned long>(h.ppid),
         h.python_version.c_str(), h.allocator.c_str(), absl::StrJoin(h.argv, " ").c_str());
  RecordPrinter printer(stdout);
  const trace::ChunkStatus status = reader->ReadRecords(printer);
  if (status != trace::ChunkStatus::kEnd) {
    fprintf(stderr, "arenatrace: %s: %s; shown up to there\n", args[0].c_str(),
            reader->problem().c_str());
    return kIncompleteTrace;
  }
  return 0;
}

}  // namespace arenatrace::cli
