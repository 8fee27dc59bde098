// `arenatrace dump`: every record of one trace, one per line.
#include <cstdio>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "analyzer/cli/commands.h"
#include "analyzer/cli/common.h"
#include "analyzer/model/text.h"
#include "core/trace/trace_reader.h"

namespace arenatrace::cli {
namespace {

using analyzer::Printable;

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
      if (r.domain == trace::Domain::kTraced)
        absl::StrAppend(&line, " tracemalloc=", r.traced_domain);
    } else if constexpr (std::is_same_v<T, trace::AllocWeighted>) {
      line = absl::StrFormat("alloc %s %#x %d stack=%d weight=%d", trace::DomainName(r.domain),
                             r.address, r.size, r.stack, r.weight);
      if (r.domain == trace::Domain::kTraced)
        absl::StrAppend(&line, " tracemalloc=", r.traced_domain);
    } else if constexpr (std::is_same_v<T, trace::Free>) {
      line = absl::StrFormat("free %s %#x", trace::DomainName(r.domain), r.address);
      if (r.domain == trace::Domain::kTraced)
        absl::StrAppend(&line, " tracemalloc=", r.traced_domain);
    } else if constexpr (std::is_same_v<T, trace::Realloc>) {
      line = absl::StrFormat("realloc %s %#x -> %#x %d stack=%d", trace::DomainName(r.domain),
                             r.old_address, r.address, r.size, r.stack);
    } else if constexpr (std::is_same_v<T, trace::Code>) {
      line = absl::StrFormat("code %d %s %s:%d", r.id, Printable(r.qualified_name),
                             Printable(r.file), r.first_line);
    } else if constexpr (std::is_same_v<T, trace::Frame>) {
      line = absl::StrFormat("frame %d code=%d line=%d", r.id, r.code, r.line);
    } else if constexpr (std::is_same_v<T, trace::Stack>) {
      line = absl::StrFormat("stack %d parent=%d frame=%d", r.id, r.parent, r.frame);
    } else if constexpr (std::is_same_v<T, trace::ThreadStart>) {
      line = absl::StrFormat("thread-start %d tid=%d name=%s", r.thread, r.native_id,
                             Printable(r.name));
    } else if constexpr (std::is_same_v<T, trace::ThreadName>) {
      line = absl::StrFormat("thread-name %d %s", r.thread, Printable(r.name));
    } else if constexpr (std::is_same_v<T, trace::Rss>) {
      line = absl::StrFormat("rss %d", r.bytes);
    } else if constexpr (std::is_same_v<T, trace::GcStart>) {
      line = absl::StrFormat("gc-start generation=%d", r.generation);
    } else if constexpr (std::is_same_v<T, trace::GcStop>) {
      line = absl::StrFormat("gc-stop generation=%d collected=%d uncollectable=%d", r.generation,
                             r.collected, r.uncollectable);
    } else if constexpr (std::is_same_v<T, trace::Mark>) {
      line = absl::StrCat("mark ", Printable(r.label));
    } else if constexpr (std::is_same_v<T, trace::SnapshotRequest>) {
      line = absl::StrCat("snapshot-request ", Printable(r.label));
    } else if constexpr (std::is_same_v<T, trace::Finalizing>) {
      line = "finalizing";
    } else if constexpr (std::is_same_v<T, trace::Fork>) {
      line = absl::StrFormat("fork child=%d", r.child_pid);
    } else if constexpr (std::is_same_v<T, trace::Pause>) {
      line = "pause";
    } else if constexpr (std::is_same_v<T, trace::Resume>) {
      line = "resume";
    } else if constexpr (std::is_same_v<T, trace::Exec>) {
      line = absl::StrCat("exec ", Printable(r.path));
    } else if constexpr (std::is_same_v<T, trace::End>) {
      line = "end";
    } else if constexpr (std::is_same_v<T, trace::Lost>) {
      line = absl::StrFormat("lost %d (%s)", r.events, Printable(r.reason));
    } else if constexpr (std::is_same_v<T, trace::SnapshotStart>) {
      line = absl::StrFormat("snapshot-start trigger=%d %s", r.trigger, Printable(r.label));
    } else if constexpr (std::is_same_v<T, trace::SnapshotName>) {
      line = absl::StrFormat("snapshot-name %d %s", r.id, Printable(r.text));
    } else if constexpr (std::is_same_v<T, trace::SnapshotObject>) {
      line = absl::StrFormat(
          "snapshot-object %#x block_offset=%d type=%d size=%d refcount=%d "
          "flags=%#x",
          r.address, r.block_offset, r.type_name, r.size, r.refcount, r.flags);
    } else if constexpr (std::is_same_v<T, trace::SnapshotEdge>) {
      line = absl::StrFormat("  edge %#x label=%d", r.target, r.label);
    } else if constexpr (std::is_same_v<T, trace::SnapshotBuffer>) {
      line = absl::StrFormat("  buffer %#x", r.address);
    } else if constexpr (std::is_same_v<T, trace::SnapshotRoot>) {
      line = absl::StrFormat("snapshot-root kind=%d name=%d %#x", r.kind, r.name, r.address);
    } else if constexpr (std::is_same_v<T, trace::SnapshotEnd>) {
      line = absl::StrFormat("snapshot-end objects=%d edges=%d", r.objects, r.edges);
    }
    absl::FPrintF(out_, "%10.3fms t%d %s\n", now_ / 1000.0, thread_, line);
  }

 private:
  FILE* out_;
  uint64_t now_ = 0;
  uint64_t thread_ = 0;
};

}  // namespace

int DumpCommand(const std::vector<std::string>& args) {
  CLI::App app("Every record of one trace, one per line: time (ms), thread, record.",
               "arenatrace dump");
  CommonOptions options;
  app.add_option("trace", options.trace, "the trace")->required();
  if (const int status = Parse(app, args); status >= 0) return status;
  std::string error;
  std::unique_ptr<trace::TraceReader> reader = trace::TraceReader::Open(options.trace, &error);
  if (!reader) return Fail("arenatrace", error, kUnreadable);
  const trace::Header& h = reader->header();
  printf("header pid=%lu ppid=%lu python=%s allocator=%s argv=[%s]\n",
         static_cast<unsigned long>(h.pid), static_cast<unsigned long>(h.ppid),
         Printable(h.python_version).c_str(), Printable(h.allocator).c_str(),
         Printable(absl::StrJoin(h.argv, " ")).c_str());
  RecordPrinter printer(stdout);
  const trace::ChunkStatus status = reader->ReadRecords(printer);
  if (status != trace::ChunkStatus::kEnd) {
    fflush(stdout);
    fprintf(stderr, "arenatrace: %s: %s; shown up to there\n", Printable(options.trace).c_str(),
            Printable(reader->problem()).c_str());
    return kIncomplete;
  }
  return kOk;
}

}  // namespace arenatrace::cli
