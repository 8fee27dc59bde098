#include "analyzer/reports/summary.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/trace/file_format.h"

namespace arenatrace::analyzer {
namespace {

std::string Bytes(uint64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  if (bytes < 1024 * 1024) return absl::StrFormat("%.1f KiB", bytes / 1024.0);
  if (bytes < uint64_t{1} << 30) return absl::StrFormat("%.1f MiB", bytes / 1048576.0);
  return absl::StrFormat("%.2f GiB", bytes / 1073741824.0);
}

std::string Seconds(uint64_t micros) { return absl::StrFormat("%.3f s", micros / 1e6); }

struct Site {
  uint32_t stack;
  SiteTotals totals;
};

std::vector<Site> TopSites(const TraceModel& model, int count) {
  // Sites are merged by their innermost frame's location.
  absl::flat_hash_map<std::string, Site> by_location;
  for (const auto& [stack, totals] : model.allocated_by_stack) {
    Site& site = by_location.try_emplace(model.Site(stack), Site{stack, {}}).first->second;
    site.totals.allocs += totals.allocs;
    site.totals.bytes += totals.bytes;
  }
  std::vector<Site> sites;
  for (auto& [location, site] : by_location) sites.push_back(site);
  std::sort(sites.begin(), sites.end(),
            [](const Site& a, const Site& b) { return a.totals.bytes > b.totals.bytes; });
  if (static_cast<int>(sites.size()) > count) sites.resize(static_cast<size_t>(count));
  return sites;
}

std::string Completeness(const TraceModel& model) {
  switch (model.stop) {
    case trace::ChunkStatus::kEnd:
      return model.ended ? "complete"
                         : "cut short: the process ended without closing the trace (killed?)";
    case trace::ChunkStatus::kCutShort:
      return absl::StrCat("cut short: ", model.problem);
    default:
      return absl::StrCat("damaged: ", model.problem, "; read up to there");
  }
}

}  // namespace

std::string SummaryText(const std::string& path, const TraceModel& model, int top_sites) {
  std::string out;
  const trace::Header& h = model.header;
  absl::StrAppend(&out, "arenatrace summary of ", path, "\n");
  absl::StrAppend(&out, "  process:   pid ", h.pid, " (parent ", h.ppid,
                  "): ", absl::StrJoin(h.argv, " "), "\n");
  absl::StrAppend(&out, "  python:    ", h.python_version.substr(0, h.python_version.find(' ')),
                  ", allocator ", h.allocator, "\n");
  absl::StrAppend(&out, "  recording: ", Completeness(model), "; ", model.chunks, " chunks, ",
                  Bytes(model.file_size), " on disk",
                  model.events ? absl::StrFormat(", %.2f bytes per event",
                                                 double(model.file_size) / model.events)
                               : "",
                  "\n");
  if (h.sample_bytes) {
    absl::StrAppend(&out, "  sampled:   one allocation per ", h.sample_bytes,
                    " bytes on average (Poisson); counts and bytes below are estimates from ",
                    model.sampled_events, " samples\n");
  }
  if (model.lost_events) absl::StrAppend(&out, "  LOST:      ", model.lost_events, " events\n");
  if (model.pauses) {
    absl::StrAppend(&out, "  paused:    ", model.pauses, " times, ", Seconds(model.paused_micros),
                    " in all (allocations then were not recorded)\n");
  }
  if (!model.forked_children.empty()) {
    absl::StrAppend(&out, "  forked:    ", absl::StrJoin(model.forked_children, ", "),
                    " (each Python child writes <trace>.<pid>)\n");
  }
  if (!model.exec_path.empty()) {
    absl::StrAppend(&out, "  exec:      ", model.exec_path,
                    model.replaced_by_exec ? " (replaced this process)" : " (failed)", "\n");
  }
  absl::StrAppend(&out, "  duration:  ", Seconds(model.duration_micros), ", ", model.events,
                  " events, ", model.threads.size(), " threads\n");
  absl::StrAppend(&out, "  heap peak: ", Bytes(model.all.peak_heap), " at ",
                  Seconds(model.all.peak_micros), "; ", Bytes(model.all.bytes_allocated),
                  " allocated in all\n");
  absl::StrAppend(&out, "  GC:        ", model.gc_runs, " collections, ", model.gc_collected,
                  " objects collected\n");
  if (model.peak_rss) absl::StrAppend(&out, "  peak RSS:  ", Bytes(model.peak_rss), "\n");
  absl::StrAppend(&out, "\n  ",
                  absl::StrFormat("%-6s %12s %12s %10s %12s %12s %10s %12s", "domain", "allocs",
                                  "frees", "reallocs", "allocated", "peak", "at", "live at end"),
                  "\n");
  for (unsigned d = 0; d < trace::kNumDomains; ++d) {
    const DomainTotals& t = model.domains[d];
    absl::StrAppend(&out, "  ",
                    absl::StrFormat("%-6s %12d %12d %10d %12s %12s %10s %12s",
                                    trace::DomainName(static_cast<trace::Domain>(d)), t.allocs,
                                    t.frees, t.reallocs, Bytes(t.bytes_allocated),
                                    Bytes(t.peak_heap), Seconds(t.peak_micros), Bytes(t.heap)),
                    "\n");
  }
  if (!model.marks.empty()) {
    absl::StrAppend(&out, "\n  marks:\n");
    for (const auto& [micros, label] : model.marks) {
      absl::StrAppend(&out, "    ", Seconds(micros), "  ", label, "\n");
    }
  }
  if (!model.snapshot_requests.empty()) {
    absl::StrAppend(&out, "\n  snapshot requests:\n");
    for (const auto& [micros, label] : model.snapshot_requests) {
      absl::StrAppend(&out, "    ", Seconds(micros), "  ", label, "\n");
    }
  }
  absl::StrAppend(&out, "\n  top allocation sites by bytes allocated:\n");
  for (const Site& site : TopSites(model, top_sites)) {
    absl::StrAppend(
        &out, "    ",
        absl::StrFormat("%12s %10d allocs  ", Bytes(site.totals.bytes), site.totals.allocs),
        model.Site(site.stack), "\n");
  }
  return out;
}

std::string SummaryJson(const std::string& path, const TraceModel& model, int top_sites) {
  using nlohmann::json;
  const trace::Header& h = model.header;
  auto totals = [](const DomainTotals& t) {
    return json{{"allocs", t.allocs},         {"frees", t.frees},
                {"reallocs", t.reallocs},     {"bytes_allocated", t.bytes_allocated},
                {"peak_bytes", t.peak_heap},  {"peak_micros", t.peak_micros},
                {"live_bytes_at_end", t.heap}};
  };
  json domains = json::object();
  for (unsigned d = 0; d < trace::kNumDomains; ++d) {
    domains[trace::DomainName(static_cast<trace::Domain>(d))] = totals(model.domains[d]);
  }
  json threads = json::array();
  for (const ThreadInfo& t : model.threads) {
    threads.push_back({{"native_id", t.native_id}, {"name", t.name}});
  }
  json marks = json::array();
  for (const auto& [micros, label] : model.marks) {
    marks.push_back({{"micros", micros}, {"label", label}});
  }
  json snapshot_requests = json::array();
  for (const auto& [micros, label] : model.snapshot_requests) {
    snapshot_requests.push_back({{"micros", micros}, {"label", label}});
  }
  json sites = json::array();
  for (const Site& site : TopSites(model, top_sites)) {
    json frames = json::array();
    for (const trace::Frame* frame : model.Frames(site.stack)) {
      const bool known = frame->code < model.codes.size();
      frames.push_back({{"function", known ? model.codes[frame->code].qualified_name : "?"},
                        {"file", known ? model.codes[frame->code].file : "?"},
                        {"line", frame->line}});
    }
    sites.push_back(
        {{"allocs", site.totals.allocs}, {"bytes", site.totals.bytes}, {"stack", frames}});
  }
  const char* status = model.stop == trace::ChunkStatus::kEnd
                           ? (model.ended ? "complete" : "cut_short")
                       : model.stop == trace::ChunkStatus::kCutShort ? "cut_short"
                                                                     : "damaged";
  json report = {
      {"trace", path},
      {"format_version", trace::kFormatVersion},
      {"status", status},
      {"problem", model.problem},
      {"pid", h.pid},
      {"ppid", h.ppid},
      {"argv", h.argv},
      {"python_version", h.python_version},
      {"allocator", h.allocator},
      {"chunks", model.chunks},
      {"file_bytes", model.file_size},
      {"events", model.events},
      {"lost_events", model.lost_events},
      {"unmatched_frees", model.unmatched_frees},
      {"duration_micros", model.duration_micros},
      {"finalizing_micros", model.finalizing_micros},
      {"threads", threads},
      {"gc", {{"collections", model.gc_runs}, {"collected", model.gc_collected}}},
      {"peak_rss_bytes", model.peak_rss},
      {"total", totals(model.all)},
      {"domains", domains},
      {"marks", marks},
      {"snapshot_requests", snapshot_requests},
      {"sample_bytes", h.sample_bytes},
      {"sampled_events", model.sampled_events},
      {"pauses", model.pauses},
      {"paused_micros", model.paused_micros},
      {"forked_children", model.forked_children},
      {"exec", model.replaced_by_exec ? model.exec_path : ""},
      {"top_sites", sites},
  };
  return report.dump(2) + "\n";
}

}  // namespace arenatrace::analyzer
