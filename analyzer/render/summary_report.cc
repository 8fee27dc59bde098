#include "analyzer/render/summary_report.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "analyzer/model/text.h"
#include "analyzer/render/format.h"
#include "analyzer/render/json_report.h"
#include "analyzer/render/text_report.h"
#include "core/trace/file_format.h"

namespace arenatrace::analyzer {
namespace {

std::string Problem(const ReplayState& s) {
  if (s.stop == trace::ChunkStatus::kEnd && !s.ended) {
    return "the process ended without closing its trace (killed?)";
  }
  return s.problem;
}

}  // namespace

std::string SummaryText(const SummaryInput& in) {
  const ReplayState& s = *in.state;
  const TraceFile& trace = in.run->traces[in.process];
  const trace::Header& h = s.header;
  std::string out;
  absl::StrAppend(&out, "arenatrace summary of ", Printable(trace.path), "\n");
  absl::StrAppend(&out, "  process:   pid ", h.pid, " (parent ", h.ppid,
                  "): ", Printable(absl::StrJoin(h.argv, " ")), "\n");
  absl::StrAppend(
      &out, "  python:    ", Printable(h.python_version.substr(0, h.python_version.find(' '))),
      ", allocator ", Printable(h.allocator), "\n");
  absl::StrAppend(&out, "  recording: ", Printable(s.StatusLine()), "; ", s.chunks, " chunks, ",
                  Bytes(static_cast<int64_t>(s.file_size)), " on disk",
                  s.events ? absl::StrFormat(", %.2f bytes per event",
                                             static_cast<double>(s.file_size) / s.events)
                           : "",
                  "\n");
  if (h.sample_bytes) {
    absl::StrAppend(&out, "  sampled:   one allocation per ", h.sample_bytes,
                    " bytes on average (Poisson); counts and bytes below are estimates from ",
                    s.sampled_events, " samples\n");
  }
  if (s.lost_events) absl::StrAppend(&out, "  LOST:      ", s.lost_events, " events\n");
  if (s.pauses) {
    absl::StrAppend(&out, "  paused:    ", s.pauses, " times, ", Seconds(s.paused_micros),
                    " in all (allocations then were not recorded)\n");
  }
  if (!s.forks.empty()) {
    std::vector<uint64_t> pids;
    for (const ForkInfo& f : s.forks) pids.push_back(f.child_pid);
    absl::StrAppend(&out, "  forked:    ", absl::StrJoin(pids, ", "), "\n");
  }
  if (!s.exec_path.empty()) {
    absl::StrAppend(&out, "  exec:      ", Printable(s.exec_path),
                    s.replaced_by_exec ? " (replaced this process)" : " (failed)", "\n");
  }
  absl::StrAppend(&out, "  duration:  ", Seconds(s.now), ", ", s.events, " events, ",
                  s.threads.size(), " threads",
                  s.finalizing
                      ? absl::StrCat("; the program's code ended at ", Seconds(s.finalizing_micros))
                      : "",
                  "\n");
  absl::StrAppend(&out, "  heap peak: ", Bytes(static_cast<int64_t>(s.all.peak_heap)), " at ",
                  Seconds(s.all.peak_micros), "; ",
                  Bytes(static_cast<int64_t>(s.all.bytes_allocated)), " allocated in all\n");
  if (s.peak_rss) {
    absl::StrAppend(
        &out, "  peak RSS:  ", Bytes(static_cast<int64_t>(s.peak_rss)), " at ",
        Seconds(s.peak_rss_micros), " (heap then ", Bytes(static_cast<int64_t>(s.heap_at_peak_rss)),
        ", RSS beyond it ",
        Bytes(static_cast<int64_t>(s.peak_rss) - static_cast<int64_t>(s.heap_at_peak_rss)),
        "); at the end ", Bytes(static_cast<int64_t>(s.last_rss)), " (heap ",
        Bytes(static_cast<int64_t>(s.all.heap)), ")\n");
  }
  absl::StrAppend(
      &out, "  GC:        ", s.gc_runs, " collections, ", s.gc_collected, " objects collected",
      s.gc_uncollectable ? absl::StrCat(", ", s.gc_uncollectable, " uncollectable") : "", "\n");
  if (s.unmatched_frees) {
    absl::StrAppend(&out, "  unmatched: ", s.unmatched_frees,
                    " frees of blocks allocated before recording began (or while paused)\n");
  }
  absl::StrAppend(&out, "\n  ",
                  absl::StrFormat("%-6s %12s %12s %10s %12s %12s %10s %12s", "domain", "allocs",
                                  "frees", "reallocs", "allocated", "peak", "at", "live at end"),
                  "\n");
  for (unsigned d = 0; d < trace::kNumDomains; ++d) {
    const DomainTotals& t = s.domains[d];
    absl::StrAppend(
        &out, "  ",
        absl::StrFormat("%-6s %12d %12d %10d %12s %12s %10s %12s",
                        trace::DomainName(static_cast<trace::Domain>(d)), t.allocs, t.frees,
                        t.reallocs, Bytes(static_cast<int64_t>(t.bytes_allocated)),
                        Bytes(static_cast<int64_t>(t.peak_heap)), Seconds(t.peak_micros),
                        Bytes(static_cast<int64_t>(t.heap))),
        "\n");
  }
  if (!s.traced_domains.empty()) {
    absl::StrAppend(&out, "  traced: blocks extensions reported with PyTraceMalloc_Track, ",
                    TracedDomainsText(s.traced_domains), "\n");
  }
  if (!s.marks.empty()) {
    absl::StrAppend(&out, "\n  marks:\n");
    for (const MarkInfo& m : s.marks) {
      absl::StrAppend(&out, "    ", Seconds(m.micros), "  ", Printable(m.label), "\n");
    }
  }
  if (!s.snapshot_requests.empty()) {
    absl::StrAppend(&out, "\n  snapshot requests:\n");
    for (const MarkInfo& m : s.snapshot_requests) {
      absl::StrAppend(&out, "    ", Seconds(m.micros), "  ", Printable(m.label), "\n");
    }
  }
  const ListLimits limits{in.top, 0};
  absl::StrAppend(&out, "\n  top allocation sites by bytes allocated:\n",
                  ProfileText(*in.allocated, limits));
  absl::StrAppend(&out, "\n  top allocation sites by bytes live at the heap's peak (",
                  Bytes(static_cast<int64_t>(in.peak->peak_bytes)), " at ",
                  Seconds(in.peak->peak_micros), "):\n", ProfileText(in.peak->profile, limits));
  if (!in.gc->generations.empty()) {
    absl::StrAppend(&out, "\n  garbage collections:\n", GcText(*in.gc, ListLimits{5, 0}));
  }
  if (in.run->traces.size() > 1) {
    absl::StrAppend(&out, "\n  processes of the run (", in.run->traces.size(), "):\n");
    for (const TraceFile& t : in.run->traces) {
      absl::StrAppend(&out, "    ", std::string(2 * t.depth, ' '), ProcessLabel(t),
                      t.exec_image ? " [exec]" : "", "  ", Printable(t.path), "\n");
    }
  }
  for (const std::string& warning : in.run->warnings) {
    absl::StrAppend(&out, "  note: ", Printable(warning), "\n");
  }
  return out;
}

std::string SummaryJson(const SummaryInput& in) {
  using nlohmann::json;
  const ReplayState& s = *in.state;
  const trace::Header& h = s.header;
  auto totals = [](const DomainTotals& t) {
    return json{{"allocs", t.allocs},         {"frees", t.frees},
                {"reallocs", t.reallocs},     {"bytes_allocated", t.bytes_allocated},
                {"peak_bytes", t.peak_heap},  {"peak_micros", t.peak_micros},
                {"live_bytes_at_end", t.heap}};
  };
  json domains = json::object();
  for (unsigned d = 0; d < trace::kNumDomains; ++d) {
    domains[trace::DomainName(static_cast<trace::Domain>(d))] = totals(s.domains[d]);
  }
  json traced_domains = json::array();
  for (uint64_t number : s.traced_domains) {
    const char* owner = trace::TracedDomainOwner(number);
    traced_domains.push_back({{"number", number}, {"owner", owner != nullptr ? owner : ""}});
  }
  json threads = json::array();
  for (const ThreadInfo& t : s.threads) {
    threads.push_back({{"native_id", t.native_id}, {"name", t.name}});
  }
  auto marks_json = [](const std::vector<MarkInfo>& marks) {
    json list = json::array();
    for (const MarkInfo& m : marks) list.push_back({{"micros", m.micros}, {"label", m.label}});
    return list;
  };
  // The former shape of a site: {allocs, bytes, stack}.
  auto sites_json = [&](const StackProfile& profile) {
    json sites = json::array();
    for (const SiteValues& site : BySite(profile)) {
      if (sites.size() >= in.top) break;
      json frames = json::array();
      for (uint32_t frame : profile.FramesOf(site.top_node)) {
        frames.push_back(FrameJson(profile.frames()[frame]));
      }
      sites.push_back(
          {{"allocs", site.values.count}, {"bytes", site.values.bytes}, {"stack", frames}});
    }
    return sites;
  };
  std::vector<uint64_t> forked;
  for (const ForkInfo& f : s.forks) forked.push_back(f.child_pid);
  json processes = json::array();
  for (const TraceFile& t : in.run->traces) processes.push_back(ProcessJson(t, nullptr));
  json report = {
      {"trace", in.run->traces[in.process].path},
      {"format_version", trace::kFormatVersion},
      {"status", s.StatusName()},
      {"problem", Problem(s)},
      {"pid", h.pid},
      {"ppid", h.ppid},
      {"argv", h.argv},
      {"python_version", h.python_version},
      {"allocator", h.allocator},
      {"chunks", s.chunks},
      {"file_bytes", s.file_size},
      {"events", s.events},
      {"lost_events", s.lost_events},
      {"unmatched_frees", s.unmatched_frees},
      {"duration_micros", s.now},
      {"finalizing_micros", s.finalizing ? std::max<uint64_t>(s.finalizing_micros, 1) : 0},
      {"startup_end_micros", s.startup_end_micros},
      {"threads", threads},
      {"gc",
       {{"collections", s.gc_runs},
        {"collected", s.gc_collected},
        {"uncollectable", s.gc_uncollectable}}},
      {"gc_generations", GcJson(*in.gc, ListLimits{in.top, 0})["generations"]},
      {"peak_rss_bytes", s.peak_rss},
      {"rss",
       {{"peak_bytes", s.peak_rss},
        {"peak_micros", s.peak_rss_micros},
        {"heap_at_peak_bytes", s.heap_at_peak_rss},
        {"end_bytes", s.last_rss},
        {"heap_at_end_bytes", s.all.heap}}},
      {"total", totals(s.all)},
      {"domains", domains},
      {"traced_domains", traced_domains},
      {"marks", marks_json(s.marks)},
      {"snapshot_requests", marks_json(s.snapshot_requests)},
      {"sample_bytes", h.sample_bytes},
      {"sampled_events", s.sampled_events},
      {"pauses", s.pauses},
      {"paused_micros", s.paused_micros},
      {"forked_children", forked},
      {"exec", s.replaced_by_exec ? s.exec_path : ""},
      {"top_sites", sites_json(*in.allocated)},
      {"top_sites_by_peak", sites_json(in.peak->profile)},
      {"processes", processes},
      {"run_warnings", in.run->warnings},
  };
  return JsonText(report);
}

}  // namespace arenatrace::analyzer
