#include "analyzer/render/json_report.h"

#include <algorithm>
#include <cstdlib>

#include "analyzer/model/text.h"

namespace arenatrace::analyzer {

using nlohmann::json;

namespace {

// Strings as ValidUtf8 makes them: nlohmann's own replacement would give an
// encoded surrogate (an undecodable byte of a path) three U+FFFD, not one.
json WithValidStrings(const json& value) {
  if (value.is_string()) return ValidUtf8(value.get_ref<const std::string&>());
  if (value.is_array()) {
    json out = json::array();
    for (const json& item : value) out.push_back(WithValidStrings(item));
    return out;
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, item] : value.items()) out[ValidUtf8(key)] = WithValidStrings(item);
    return out;
  }
  return value;
}

}  // namespace

std::string JsonText(const json& value) {
  return WithValidStrings(value).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

json FrameJson(const ProfileFrame& frame) {
  return {{"function", frame.function}, {"file", frame.file}, {"line", frame.line}};
}

json AmountJson(const Amount& amount) { return {{"bytes", amount.bytes}, {"count", amount.count}}; }

namespace {

json ValuesJson(const ProfileValues& v) {
  return {{"bytes", v.bytes},
          {"count", v.count},
          {"alloc_bytes", v.alloc_bytes},
          {"alloc_count", v.alloc_count}};
}

json StackJson(const StackProfile& profile, uint32_t node) {
  json frames = json::array();
  for (uint32_t frame : profile.FramesOf(node))
    frames.push_back(FrameJson(profile.frames()[frame]));
  return frames;
}

bool BelowShare(int64_t value, int64_t total, double min_share) {
  return min_share > 0 && std::llabs(value) < min_share * static_cast<double>(std::llabs(total));
}

json SiteAmountsJson(const std::vector<SiteAmount>& sites) {
  json rows = json::array();
  for (const SiteAmount& s : sites) {
    json row = FrameJson(s.site);
    row["bytes"] = s.amount.bytes;
    row["count"] = s.amount.count;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

json ProfileJson(const StackProfile& profile, const ListLimits& limits) {
  const ProfileValues total = profile.Total();
  json sites = json::array();
  for (const SiteValues& site : BySite(profile)) {
    if (sites.size() >= limits.top) break;
    if (BelowShare(site.values.bytes, total.bytes, limits.min_share)) break;
    json row = FrameJson(profile.frames()[site.frame]);
    row.update(ValuesJson(site.values));
    row["share"] = total.bytes ? static_cast<double>(site.values.bytes) / total.bytes : 0.0;
    row["stack"] = StackJson(profile, site.top_node);
    sites.push_back(row);
  }
  std::vector<uint32_t> nodes;
  for (uint32_t i = 1; i < profile.nodes().size(); ++i) {
    if (!profile.nodes()[i].self.empty()) nodes.push_back(i);
  }
  std::sort(nodes.begin(), nodes.end(), [&](uint32_t a, uint32_t b) {
    const int64_t ab = std::llabs(profile.nodes()[a].self.bytes);
    const int64_t bb = std::llabs(profile.nodes()[b].self.bytes);
    return ab != bb ? ab > bb : a < b;
  });
  json stacks = json::array();
  for (uint32_t node : nodes) {
    if (stacks.size() >= limits.top) break;
    const ProfileValues& self = profile.nodes()[node].self;
    if (BelowShare(self.bytes, total.bytes, limits.min_share)) break;
    json row = ValuesJson(self);
    row["frames"] = StackJson(profile, node);
    stacks.push_back(row);
  }
  return {{"measure", profile.measure},
          {"total", ValuesJson(total)},
          {"sites", sites},
          {"stacks", stacks}};
}

json ProcessJson(const TraceFile& trace, const ReplayState* state) {
  json process = {{"trace", trace.path},
                  {"pid", trace.header.pid},
                  {"ppid", trace.header.ppid},
                  {"argv", trace.header.argv},
                  {"python_version", trace.header.python_version},
                  {"allocator", trace.header.allocator},
                  {"exec_image", trace.exec_image},
                  {"depth", trace.depth}};
  if (state != nullptr) {
    process["status"] = state->StatusName();
    process["problem"] = state->stop == trace::ChunkStatus::kEnd && !state->ended
                             ? "the process ended without closing its trace (killed?)"
                             : state->problem;
    process["duration_micros"] = state->now;
  }
  return process;
}

json PeakJson(const PeakResult& peak, const ListLimits& limits) {
  return {{"peak_bytes", peak.peak_bytes},
          {"peak_blocks", peak.peak_blocks},
          {"peak_micros", peak.peak_micros},
          {"end_bytes", peak.end_bytes},
          {"peak_rss_bytes", peak.peak_rss},
          {"peak_rss_micros", peak.peak_rss_micros},
          {"heap_at_peak_rss_bytes", peak.heap_at_peak_rss},
          {"profile", ProfileJson(peak.profile, limits)}};
}

std::vector<const LeakVerdict*> ShownVerdicts(const LeaksResult& leaks, const ListLimits& limits) {
  std::vector<const LeakVerdict*> shown;
  for (const LeakVerdict& v : leaks.verdicts) {
    if (shown.size() >= limits.top) break;
    if (v.kind != LeakKind::kLeak &&
        BelowShare(v.live.bytes, leaks.program_live.bytes, limits.min_share)) {
      continue;
    }
    shown.push_back(&v);
  }
  return shown;
}

std::vector<FrameId> EvidenceSites(const LeaksResult& leaks, const ListLimits& limits) {
  std::vector<FrameId> sites;
  for (const LeakVerdict* v : ShownVerdicts(leaks, limits)) sites.push_back(v->site_id);
  return sites;
}

json RetentionPathJson(const graph::RetentionPathSummary& path) {
  json steps = json::array();
  for (const graph::PathStep& step : path.steps) {
    steps.push_back({{"edge", step.edge},
                     {"type", step.node.type},
                     {"address", step.node.address},
                     {"self_bytes", step.node.self_size},
                     {"retained_bytes", step.node.retained_size},
                     {"site", step.node.site}});
  }
  return {{"root_kind", path.root_kind}, {"root", path.root}, {"steps", steps}};
}

json HolderJson(const graph::HolderSummary& holder) {
  if (!holder.held) return nullptr;
  return {{"holder_type", holder.holder_type},
          {"holder_site", holder.holder_site},
          {"holders", holder.holders},
          {"objects", holder.objects},
          {"bytes", holder.bytes},
          {"path", RetentionPathJson(holder.path)}};
}

namespace {

json SiteEvidenceJson(const graph::SiteGraphEvidence& site) {
  return {{"objects", site.objects},
          {"bytes", site.bytes},
          {"unreachable", site.unreachable},
          {"hidden_references", site.hidden_objects},
          {"held_by", HolderJson(site.held_by)}};
}

json EvidenceJson(const graph::LeakEvidence& evidence) {
  json hidden = json::array();
  for (const graph::HiddenReferenceGroup& g : evidence.hidden) {
    hidden.push_back({{"type", g.type},
                      {"site", g.site_name},
                      {"objects", g.objects},
                      {"references", g.references},
                      {"bytes", g.bytes}});
  }
  json cyclic = json::array();
  for (const graph::CyclicGarbageGroup& g : evidence.cyclic) {
    cyclic.push_back(
        {{"site", g.site_name}, {"objects", g.objects}, {"bytes", g.bytes}, {"types", g.types}});
  }
  return {{"snapshot",
           {{"index", evidence.snapshot_index},
            {"of", evidence.snapshots_in_trace},
            {"label", evidence.snapshot.label},
            {"micros", evidence.snapshot.micros}}},
          {"hidden_references", hidden},
          {"hidden_references_at_import", evidence.hidden_at_import},
          {"cyclic_garbage", cyclic}};
}

}  // namespace

json LeaksJson(const LeaksResult& leaks, const ListLimits& limits,
               const graph::LeakEvidence* evidence) {
  json verdicts = json::array();
  for (const LeakVerdict* shown : ShownVerdicts(leaks, limits)) {
    const LeakVerdict& v = *shown;
    json row = {{"verdict", LeakKindName(v.kind)},
                {"confidence", v.confidence},
                {"growth", v.growth},
                {"site", FrameJson(v.site)},
                {"stack", StackJson(leaks.profile, v.top_node)},
                {"live", AmountJson(v.live)},
                {"freed_at_exit", AmountJson(v.freed_at_exit)},
                {"allocated", AmountJson(v.allocated)},
                {"exit", v.ExitState()},
                {"first_micros", v.first_micros},
                {"series", {{"micros", v.series_micros}, {"bytes", v.series_bytes}}},
                {"at_marks", v.at_marks}};
    if (v.pid) row["pid"] = v.pid;
    if (evidence != nullptr) {
      const graph::SiteGraphEvidence* site = evidence->Site(v.site_id);
      row["graph"] = site != nullptr ? SiteEvidenceJson(*site) : SiteEvidenceJson({});
    }
    verdicts.push_back(row);
  }
  json startup = json::array();
  for (const auto& [site, amount] : leaks.startup_sites) {
    json row = FrameJson(site);
    row.update(AmountJson(amount));
    startup.push_back(row);
  }
  return {{"finalizing_seen", leaks.finalizing_seen},
          {"exit_known", leaks.exit_known},
          {"program_end_micros", leaks.program_end_micros},
          {"program_live", AmountJson(leaks.program_live)},
          {"startup_live", AmountJson(leaks.startup_live)},
          {"startup_sites", startup},
          {"teardown_allocated", AmountJson(leaks.teardown_allocated)},
          {"marks", leaks.mark_labels},
          {"verdicts", verdicts},
          {"graph", evidence != nullptr ? EvidenceJson(*evidence) : json(nullptr)},
          {"profile", ProfileJson(leaks.profile, limits)}};
}

json GenerationsJson(const GenerationsResult& g) {
  json checkpoints = json::array();
  for (const auto& c : g.checkpoints) {
    checkpoints.push_back({{"label", c.label}, {"micros", c.micros}});
  }
  json phases = json::array();
  for (const auto& p : g.phases) {
    json survivors = json::array();
    for (size_t i = 0; i < p.survivors.size(); ++i) {
      survivors.push_back({{"checkpoint", p.first_checkpoint + i},
                           {"alive", AmountJson(p.alive[i])},
                           {"sites", SiteAmountsJson(p.survivors[i])}});
    }
    phases.push_back({{"label", p.label},
                      {"from_micros", p.from_micros},
                      {"to_micros", p.to_micros},
                      {"allocated", AmountJson(p.allocated)},
                      {"allocated_sites", SiteAmountsJson(p.allocated_sites)},
                      {"survivors", survivors}});
  }
  return {{"checkpoints", checkpoints}, {"phases", phases}};
}

json GcJson(const GcResult& gc, const ListLimits& limits) {
  json generations = json::array();
  for (size_t i = 0; i < gc.generations.size(); ++i) {
    const GcGeneration& g = gc.generations[i];
    generations.push_back({{"generation", i},
                           {"collections", g.collections},
                           {"micros", g.micros},
                           {"collected", g.collected},
                           {"uncollectable", g.uncollectable},
                           {"freed", AmountJson(g.freed)}});
  }
  return {{"generations", generations}, {"freed", ProfileJson(gc.freed, limits)}};
}

json TimelineJson(const TimelineResult& timeline, size_t points) {
  json micros = json::array(), heap_min = json::array(), heap_max = json::array(),
       rss = json::array();
  json domains = {{"raw", json::array()},
                  {"mem", json::array()},
                  {"obj", json::array()},
                  {"traced", json::array()}};
  for (const TimelinePoint& p : Reduce(timeline, points)) {
    micros.push_back(p.micros);
    heap_min.push_back(p.heap_min);
    heap_max.push_back(p.heap_max);
    rss.push_back(p.rss_max);
    for (unsigned d = 0; d < trace::kNumDomains; ++d) {
      domains[trace::DomainName(static_cast<trace::Domain>(d))].push_back(p.domain_max[d]);
    }
  }
  json events = json::array();
  for (const TimelineEvent& e : timeline.events) {
    json event = {{"kind", TimelineEventKindName(e.kind)}, {"micros", e.micros}};
    if (e.kind == TimelineEvent::Kind::kGc) {
      event["duration_micros"] = e.duration_micros;
      event["generation"] = e.generation;
      event["collected"] = e.collected;
    } else if (!e.label.empty()) {
      event["label"] = e.label;
    }
    events.push_back(event);
  }
  return {{"duration_micros", timeline.duration_micros},
          {"micros", micros},
          {"heap_min", heap_min},
          {"heap_max", heap_max},
          {"domains_max", domains},
          {"rss_max", rss},
          {"events", events}};
}

namespace {
json UsageJson(const PoolUsage& u) {
  return {{"micros", u.micros},
          {"small_blocks", u.small_blocks},
          {"small_bytes", u.small_bytes},
          {"pools", u.pools},
          {"arenas", u.arenas},
          {"sparse_pools", u.sparse_pools},
          {"pools_by_fill", u.pools_by_fill}};
}
}  // namespace

json FragmentationJson(const FragmentationResult& f, const ListLimits& limits) {
  json pinning = json::array();
  for (const PinningSite& s : f.pinning) {
    if (pinning.size() >= limits.top) break;
    json row = FrameJson(s.site);
    row["blocks"] = s.blocks;
    row["bytes"] = s.bytes;
    row["pinned_bytes"] = static_cast<uint64_t>(s.pinned_bytes);
    row["sparse_pools"] = s.pools;
    pinning.push_back(row);
  }
  json result = {{"meaningful", f.meaningful},
                 {"allocator", f.layout.allocator},
                 {"pool_bytes", uint64_t{1} << f.layout.pool_shift},
                 {"arena_bytes", uint64_t{1} << f.layout.arena_shift},
                 {"arenas_aligned", f.layout.arenas_aligned},
                 {"returns_free_pools", f.layout.returns_free_pools},
                 {"at_peak", UsageJson(f.at_peak)},
                 {"most_pools", UsageJson(f.most_pools)},
                 {"at_end", UsageJson(f.at_end)},
                 {"sparse_pool_bytes_unused", f.sparse_pool_bytes_unused},
                 {"sparse_arenas", f.sparse_arenas},
                 {"pinning", pinning}};
  if (!f.meaningful) result["why_not"] = f.why_not;
  return result;
}

}  // namespace arenatrace::analyzer
