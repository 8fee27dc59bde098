#include "analyzer/render/text_report.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "analyzer/model/text.h"
#include "analyzer/render/format.h"
#include "analyzer/render/graph_report.h"

namespace arenatrace::analyzer {
namespace {

constexpr size_t kCallerFrames = 3;

bool BelowShare(int64_t value, int64_t total, double min_share) {
  return min_share > 0 && std::llabs(value) < min_share * static_cast<double>(std::llabs(total));
}

// "called from f (a.py:3) < g (a.py:9) < ..." for the frames above the innermost.
std::string Callers(const StackProfile& profile, uint32_t node) {
  const std::vector<uint32_t> frames = profile.FramesOf(node);
  if (frames.size() <= 1) return "";
  std::vector<std::string> labels;
  for (size_t i = 1; i < frames.size() && i <= kCallerFrames; ++i) {
    labels.push_back(FrameLabel(profile.frames()[frames[i]]));
  }
  if (frames.size() > kCallerFrames + 1) labels.push_back("...");
  return absl::StrCat("called from ", absl::StrJoin(labels, " < "));
}

std::string SiteAmountsText(const std::vector<SiteAmount>& sites, int64_t total,
                            const ListLimits& limits, const char* indent) {
  std::string out;
  size_t shown = 0;
  for (const SiteAmount& s : sites) {
    if (shown++ >= limits.top || BelowShare(s.amount.bytes, total, limits.min_share)) break;
    absl::StrAppend(
        &out, indent,
        absl::StrFormat("%12s %9d  %s", Bytes(s.amount.bytes), s.amount.count, FrameLabel(s.site)),
        "\n");
  }
  return out;
}

}  // namespace

std::string ProcessHeadingText(const TraceFile& trace, const ReplayState& state) {
  const std::string& version = trace.header.python_version;
  return absl::StrCat(ProcessLabel(trace), ", Python ",
                      Printable(version.substr(0, version.find(' '))), ", allocator ",
                      Printable(trace.header.allocator), ", ", Printable(state.StatusLine()), ", ",
                      Seconds(state.now), "\n");
}

std::string ProfileText(const StackProfile& profile, const ListLimits& limits) {
  const ProfileValues total = profile.Total();
  std::string out = absl::StrFormat("  %12s %7s %10s  %s\n", "bytes", "share", "blocks",
                                    absl::StrCat("site (", profile.measure, ")"));
  size_t shown = 0;
  size_t hidden = 0;
  for (const SiteValues& site : BySite(profile)) {
    if (shown >= limits.top || BelowShare(site.values.bytes, total.bytes, limits.min_share)) {
      ++hidden;
      continue;
    }
    ++shown;
    absl::StrAppend(&out, absl::StrFormat("  %12s %7s %10d  %s\n", Bytes(site.values.bytes),
                                          Share(site.values.bytes, total.bytes), site.values.count,
                                          FrameLabel(profile.frames()[site.frame])));
    const std::string callers = Callers(profile, site.top_node);
    if (!callers.empty()) absl::StrAppend(&out, std::string(35, ' '), callers, "\n");
  }
  if (hidden > 0) absl::StrAppend(&out, "  (", hidden, " more sites not shown)\n");
  absl::StrAppend(&out,
                  absl::StrFormat("  %12s %7s %10d  total\n", Bytes(total.bytes), "", total.count));
  return out;
}

std::string PeakText(const PeakResult& peak, const ListLimits& limits) {
  std::string out =
      absl::StrCat("  heap peak: ", Bytes(peak.peak_bytes), " in ", peak.peak_blocks, " blocks at ",
                   Seconds(peak.peak_micros), "; at the end: ", Bytes(peak.end_bytes), "\n");
  if (peak.peak_rss) {
    absl::StrAppend(&out, "  RSS peak:  ", Bytes(peak.peak_rss), " at ",
                    Seconds(peak.peak_rss_micros),
                    " (the heap then: ", Bytes(peak.heap_at_peak_rss), ")\n");
  }
  absl::StrAppend(&out, "\n", ProfileText(peak.profile, limits));
  return out;
}

std::string HolderLine(const graph::HolderSummary& holder, uint64_t of_objects) {
  const std::string who =
      holder.holder_type.empty()
          ? std::string("held directly by roots")
          : absl::StrCat("held by ", holder.holders == 1 ? "a " : absl::StrCat(holder.holders, " "),
                         Printable(holder.holder_type),
                         holder.holder_site.empty()
                             ? ""
                             : absl::StrCat(" from ", Printable(holder.holder_site)));
  return absl::StrCat(who, ": ", holder.objects, " of ", of_objects, " objects, e.g. ",
                      RetentionPathLine(holder.path));
}

namespace {

// The lines under a verdict: who holds the site's objects at the snapshot.
void AppendSiteEvidence(std::string* out, const graph::SiteGraphEvidence& site,
                        const std::string& indent) {
  if (site.objects == 0) {
    absl::StrAppend(out, indent, "not in the snapshot of the object graph\n");
    return;
  }
  if (site.held_by.held) absl::StrAppend(out, indent, HolderLine(site.held_by, site.objects), "\n");
  if (site.unreachable > 0) {
    absl::StrAppend(out, indent, site.unreachable, " of ", site.objects,
                    " objects are cyclic garbage (no root reaches them)\n");
  }
  if (site.hidden_objects > 0) {
    absl::StrAppend(out, indent, site.hidden_objects, " of ", site.objects,
                    " objects have hidden references (a reference count the graph does not "
                    "explain)\n");
  }
}

void AppendEvidence(std::string* out, const graph::LeakEvidence& evidence) {
  absl::StrAppend(out, "\n  from snapshot ", evidence.snapshot_index + 1, " of ",
                  evidence.snapshots_in_trace, " of the object graph",
                  evidence.snapshot.label.empty()
                      ? ""
                      : absl::StrCat(" (", Printable(evidence.snapshot.label), ")"),
                  " at ", Seconds(evidence.snapshot.micros), ":\n");
  if (evidence.hidden.empty()) {
    absl::StrAppend(out, "  no hidden references\n");
  } else {
    absl::StrAppend(out,
                    "  hidden references: objects whose reference count the graph does not "
                    "explain (a C extension's leaked reference, or a C global)\n",
                    absl::StrFormat("  %9s %11s %12s  %-20s %s\n", "objects", "references", "bytes",
                                    "type", "site"));
    for (const graph::HiddenReferenceGroup& g : evidence.hidden) {
      absl::StrAppend(out, absl::StrFormat("  %9d %11d %12s  %-20s %s\n", g.objects, g.references,
                                           Bytes(static_cast<int64_t>(g.bytes)), Printable(g.type),
                                           Printable(g.site_name)));
    }
  }
  if (evidence.hidden_at_import > 0) {
    absl::StrAppend(out, "  (and ", evidence.hidden_at_import,
                    " objects made while extension modules were imported: their C globals)\n");
  }
  if (evidence.cyclic.empty()) {
    absl::StrAppend(out, "  no cyclic garbage\n");
  } else {
    absl::StrAppend(out, "  cyclic garbage: unreachable objects waiting for the collector\n",
                    absl::StrFormat("  %9s %12s  %-32s %s\n", "objects", "bytes", "types", "site"));
    for (const graph::CyclicGarbageGroup& g : evidence.cyclic) {
      absl::StrAppend(out, absl::StrFormat("  %9d %12s  %-32s %s\n", g.objects,
                                           Bytes(static_cast<int64_t>(g.bytes)), Printable(g.types),
                                           Printable(g.site_name)));
    }
  }
}

}  // namespace

std::string LeaksText(const LeaksResult& leaks, const ListLimits& limits,
                      const graph::LeakEvidence* evidence) {
  std::string out = absl::StrCat(
      "  the program's own code ended at ", Seconds(leaks.program_end_micros),
      leaks.finalizing_seen ? "" : " (the end of the trace: the process did not finalise)",
      "; it left ", Bytes(leaks.program_live.bytes), " in ", leaks.program_live.count,
      " blocks alive\n\n");
  size_t leak_count = 0;
  for (const LeakVerdict& v : leaks.verdicts) leak_count += v.kind == LeakKind::kLeak;
  absl::StrAppend(&out, "  ",
                  leak_count == 0
                      ? "no site leaks"
                      : absl::StrCat(leak_count, leak_count == 1 ? " site leaks" : " sites leak"),
                  "; sites by what they left alive:\n");
  absl::StrAppend(&out, absl::StrFormat("  %-8s %5s %12s %9s  %-20s %s\n", "verdict", "conf.",
                                        "alive", "blocks", "at exit", "site"));
  const std::vector<const LeakVerdict*> shown = ShownVerdicts(leaks, limits);
  const std::string indent(62, ' ');
  for (const LeakVerdict* verdict : shown) {
    const LeakVerdict& v = *verdict;
    std::string exit = v.ExitState();
    if (!v.exit_known) exit = "unknown";
    absl::StrAppend(&out,
                    absl::StrFormat("  %-8s %5s %12s %9d  %-20s %s\n", LeakKindName(v.kind),
                                    v.confidence > 0 ? absl::StrFormat("%.2f", v.confidence) : "",
                                    Bytes(v.live.bytes), v.live.count, exit, FrameLabel(v.site)));
    const std::string callers = Callers(leaks.profile, v.top_node);
    if (!callers.empty()) absl::StrAppend(&out, indent, callers, "\n");
    if (v.kind == LeakKind::kLeak || v.kind == LeakKind::kGrowing) {
      std::vector<std::string> points;
      for (uint64_t b : v.series_bytes) points.push_back(Bytes(static_cast<int64_t>(b)));
      absl::StrAppend(&out, indent, "grew in ",
                      absl::StrFormat("%.0f%%", std::max(0.0, v.growth) * 100),
                      " (net) of the intervals it changed in: ", absl::StrJoin(points, " "), "\n");
    }
    if (evidence != nullptr) {
      if (const graph::SiteGraphEvidence* site = evidence->Site(v.site_id)) {
        AppendSiteEvidence(&out, *site, indent);
      } else {
        AppendSiteEvidence(&out, {}, indent);
      }
    }
  }
  if (shown.size() < leaks.verdicts.size()) {
    absl::StrAppend(&out, "  (", leaks.verdicts.size() - shown.size(), " more sites not shown)\n");
  }
  absl::StrAppend(&out, "\n  apart: start-up left ", Bytes(leaks.startup_live.bytes), " in ",
                  leaks.startup_live.count, " blocks alive; finalisation allocated ",
                  Bytes(leaks.teardown_allocated.bytes), " in ", leaks.teardown_allocated.count,
                  " blocks\n");
  if (evidence != nullptr) {
    AppendEvidence(&out, *evidence);
  } else {
    absl::StrAppend(&out,
                    "  (no snapshot of the object graph in the trace: who holds each site's "
                    "objects, hidden references and cyclic garbage need one; see "
                    "--snapshot in `arenatrace run --help`)\n");
  }
  return out;
}

std::string GenerationsText(const GenerationsResult& g, const ListLimits& limits) {
  std::string out;
  for (const auto& phase : g.phases) {
    absl::StrAppend(&out, "  phase ", Printable(phase.label), " (", Seconds(phase.from_micros),
                    " .. ", Seconds(phase.to_micros), "): allocated ", Bytes(phase.allocated.bytes),
                    " in ", phase.allocated.count, " blocks\n");
    for (size_t i = 0; i < phase.survivors.size(); ++i) {
      const auto& checkpoint = g.checkpoints[phase.first_checkpoint + i];
      absl::StrAppend(&out, "    alive at ", Printable(checkpoint.label), " (",
                      Seconds(checkpoint.micros), "): ", Bytes(phase.alive[i].bytes), " in ",
                      phase.alive[i].count, " blocks\n");
      // The sites only at the last checkpoint: what the phase left for good.
      if (i + 1 == phase.survivors.size()) {
        absl::StrAppend(
            &out, SiteAmountsText(phase.survivors[i], phase.alive[i].bytes, limits, "      "));
      }
    }
  }
  return out;
}

std::string GcText(const GcResult& gc, const ListLimits& limits) {
  std::string out = absl::StrFormat("  %-10s %11s %10s %12s %13s %12s\n", "generation",
                                    "collections", "time", "collected", "uncollectable", "freed");
  for (size_t i = 0; i < gc.generations.size(); ++i) {
    const GcGeneration& g = gc.generations[i];
    absl::StrAppend(&out, absl::StrFormat("  %-10d %11d %10s %12d %13d %12s\n", i, g.collections,
                                          Seconds(g.micros), g.collected, g.uncollectable,
                                          Bytes(g.freed.bytes)));
  }
  if (!gc.freed.nodes().empty() && !gc.freed.Total().empty()) {
    absl::StrAppend(&out, "\n  sites whose blocks the collector freed (cyclic garbage):\n",
                    ProfileText(gc.freed, limits));
  }
  return out;
}

std::string TimelineText(const TimelineResult& timeline, size_t columns) {
  const std::vector<TimelinePoint> points = Reduce(timeline, columns);
  uint64_t top = 1;
  for (const TimelinePoint& p : points) top = std::max({top, p.heap_max, p.rss_max});
  constexpr int kRows = 8;
  std::string out;
  absl::StrAppend(&out,
                  "  heap (#: between the minimum and the maximum of each column, "
                  "^: the maximum) and RSS (.), up to ",
                  Bytes(static_cast<int64_t>(top)), "\n");
  for (int row = kRows; row >= 1; --row) {
    const double level = static_cast<double>(top) * row / kRows;
    const double below = static_cast<double>(top) * (row - 1) / kRows;
    std::string line = "  |";
    for (const TimelinePoint& p : points) {
      char c = ' ';
      if (static_cast<double>(p.heap_min) >= level) {
        c = '#';
      } else if (static_cast<double>(p.heap_max) > below) {
        c = static_cast<double>(p.heap_min) > below ? '#' : '^';
      } else if (p.rss_max && static_cast<double>(p.rss_max) > below &&
                 static_cast<double>(p.rss_max) <= level) {
        c = '.';
      }
      line.push_back(c);
    }
    absl::StrAppend(&out, line, "\n");
  }
  absl::StrAppend(&out, "  +", std::string(points.size(), '-'), "\n  0 s",
                  std::string(points.size() > 12 ? points.size() - 9 : 1, ' '),
                  Seconds(timeline.duration_micros), "\n\n");
  size_t gc_count = 0;
  for (const TimelineEvent& e : timeline.events) {
    if (e.kind == TimelineEvent::Kind::kGc) {
      ++gc_count;
      continue;
    }
    absl::StrAppend(&out, "  ", absl::StrFormat("%10s", Seconds(e.micros)), "  ",
                    TimelineEventKindName(e.kind), e.label.empty() ? "" : " ", Printable(e.label),
                    "\n");
  }
  absl::StrAppend(&out, "  ", gc_count, " garbage collections\n");
  return out;
}

std::string FragmentationText(const FragmentationResult& f, const ListLimits& limits) {
  if (!f.meaningful) return absl::StrCat("  not available: ", f.why_not, "\n");
  const uint64_t pool = uint64_t{1} << f.layout.pool_shift;
  const uint64_t arena = uint64_t{1} << f.layout.arena_shift;
  std::string out = absl::StrCat(
      "  allocator ", Printable(f.layout.allocator), ": pools of ", Bytes(pool), ", arenas of ",
      Bytes(arena), f.layout.arenas_aligned ? "" : " (approximated by aligned ranges)",
      f.layout.returns_free_pools ? "; free pools are given back to the OS"
                                  : "; memory stays mapped while an arena holds a block",
      "\n");
  auto usage = [&](const char* when, const PoolUsage& u) {
    const uint64_t capacity = u.pools * pool;
    absl::StrAppend(
        &out,
        absl::StrFormat("  %-16s %9s: %d small blocks (%s) in %d pools (%s used) and %d "
                        "arenas; %d pools less than a quarter used\n",
                        when, Seconds(u.micros), u.small_blocks,
                        Bytes(static_cast<int64_t>(u.small_bytes)), u.pools,
                        Share(static_cast<int64_t>(u.small_bytes), static_cast<int64_t>(capacity)),
                        u.arenas, u.sparse_pools));
  };
  usage("at the heap peak", f.at_peak);
  usage("most pools held", f.most_pools);
  usage("at program end", f.at_end);
  absl::StrAppend(&out, "  sparse pools at the program's end keep ",
                  Bytes(static_cast<int64_t>(f.sparse_pool_bytes_unused)), " unused",
                  f.layout.returns_free_pools
                      ? ""
                      : absl::StrCat("; ", f.sparse_arenas, " arenas less than a quarter used"),
                  "\n\n  sites pinning memory at the program's end:\n");
  absl::StrAppend(&out, absl::StrFormat("  %12s %9s %12s %7s  %s\n", "pinned", "blocks", "bytes",
                                        "pools", "site"));
  size_t shown = 0;
  for (const PinningSite& s : f.pinning) {
    if (shown++ >= limits.top) break;
    absl::StrAppend(
        &out, absl::StrFormat("  %12s %9d %12s %7d  %s\n",
                              Bytes(static_cast<int64_t>(s.pinned_bytes)), s.blocks,
                              Bytes(static_cast<int64_t>(s.bytes)), s.pools, FrameLabel(s.site)));
  }
  if (f.pinning.empty()) absl::StrAppend(&out, "  (none: no sparse pool holds a live block)\n");
  return out;
}

}  // namespace arenatrace::analyzer
