#include "analyzer/analyses/leaks.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"

namespace arenatrace::analyzer {
namespace {

// The samples kept: between kMaxSamples/2 and kMaxSamples cover any run.
constexpr size_t kMaxSamples = 64;
constexpr size_t kMaxMarkSnapshots = 64;
constexpr size_t kEvidencePoints = 16;
// A leak grew in at least this share of the intervals since its first
// allocation in which it changed (net of those it shrank in), in at least
// this many intervals, was still changing in the last third of the run,
// kept this much of the most it held, and holds at least this share of what
// the program left alive.
constexpr double kLeakGrowth = 0.5;
constexpr size_t kLeakIntervals = 5;
constexpr double kLeakRetention = 0.75;
constexpr double kLeakShare = 0.005;
// Below kLeakGrowth but still mostly rising: "growing".
constexpr double kGrowingGrowth = 0.25;
// A change smaller than this share of the final value is no change.
constexpr double kFlatTolerance = 0.001;
constexpr size_t kStartupSites = 10;

}  // namespace

const char* LeakKindName(LeakKind kind) {
  switch (kind) {
    case LeakKind::kLeak:
      return "leak";
    case LeakKind::kGrowing:
      return "growing";
    case LeakKind::kPlateau:
      return "plateau";
    case LeakKind::kRetained:
      return "retained";
  }
  return "?";
}

std::string LeakVerdict::ExitState() const {
  if (!exit_known) return "unknown (the process did not finalise, or its trace is incomplete)";
  if (freed_at_exit.bytes == 0) return "never freed";
  // A few blocks that finalisation does not free (3.8 keeps some) do not
  // make a global "partly" freed.
  if (freed_at_exit.bytes >= live.bytes - live.bytes / 100) return "freed at exit";
  return "partly freed at exit";
}

void LeaksAnalysis::OnAlloc(uint64_t, const Block& block) {
  const FrameId site = state().symbols.Site(block.stack);
  if (block.flags & kStartup) {
    startup_[site].Add(block.size, block.count);
  } else if (block.flags & kTeardown) {
    result_.teardown_allocated.Add(block.size, block.count);
  } else if (block.in_window()) {
    StackState& s = stacks_[block.stack];
    s.live.Add(block.size, block.count);
    s.allocated.Add(block.size, block.count);
    SiteState& site_state = sites_[site];
    if (site_state.first_seq == 0) {
      site_state.first_seq = block.seq;
      site_state.first_micros = state().now;
    }
    site_state.live_bytes += static_cast<int64_t>(block.size);
  }
  if (!program_ended_ && state().seq >= next_sample_seq_) TakeSample();
}

void LeaksAnalysis::OnRelease(uint64_t, const Block& block, Release) {
  if (block.flags & kStartup) {
    if (!program_ended_)
      startup_[state().symbols.Site(block.stack)].Remove(block.size, block.count);
    return;
  }
  if (!Counted(block)) return;
  if (program_ended_) {
    // It was alive when the program's code ended: finalisation frees it.
    stacks_[block.stack].freed_at_exit.Add(block.size, block.count);
    return;
  }
  stacks_[block.stack].live.Remove(block.size, block.count);
  sites_[state().symbols.Site(block.stack)].live_bytes -= static_cast<int64_t>(block.size);
}

void LeaksAnalysis::TakeSample() {
  if (samples_.size() == kMaxSamples) {
    // Keep every other sample (the later of each pair), and sample half as often.
    for (size_t i = 0; i < kMaxSamples / 2; ++i) samples_[i] = std::move(samples_[2 * i + 1]);
    samples_.resize(kMaxSamples / 2);
    sample_interval_ *= 2;
  }
  Sample sample{state().seq, state().now, {}};
  const auto& sites = sites_.values();
  sample.site_bytes.resize(sites.size());
  for (size_t i = 0; i < sites.size(); ++i) {
    sample.site_bytes[i] = static_cast<float>(sites[i].live_bytes);
  }
  samples_.push_back(std::move(sample));
  next_sample_seq_ = state().seq + sample_interval_;
}

void LeaksAnalysis::OnMark() {
  result_.mark_labels.push_back(state().marks.back().label);
  if (program_ended_ || at_marks_.size() >= kMaxMarkSnapshots) return;
  const auto& sites = sites_.values();
  std::vector<float> snapshot(sites.size());
  for (size_t i = 0; i < sites.size(); ++i) snapshot[i] = static_cast<float>(sites[i].live_bytes);
  at_marks_.push_back(std::move(snapshot));
}

void LeaksAnalysis::OnFinalizing() {
  result_.finalizing_seen = true;
  SnapshotProgramEnd();
}

void LeaksAnalysis::SnapshotProgramEnd() {
  if (program_ended_) return;
  program_ended_ = true;
  result_.program_end_micros = state().now;
  for (StackState& s : stacks_.values()) {
    s.at_end = s.live;
    result_.program_live.bytes += s.live.bytes;
    result_.program_live.count += s.live.count;
  }
  for (const Amount& a : startup_.values()) {
    result_.startup_live.bytes += a.bytes;
    result_.startup_live.count += a.count;
  }
}

void LeaksAnalysis::OnEnd() {
  SnapshotProgramEnd();
  result_.exit_known = result_.finalizing_seen && state().Complete();
  Judge();
}

void LeaksAnalysis::Judge() {
  const Symbols& symbols = state().symbols;
  LeaksResult& r = result_;
  r.profile.measure = "alive when the program's own code ended";
  ProfileBuilder builder(symbols, &r.profile);

  struct SiteTotals {
    Amount live, freed_at_exit, allocated;
    StackId top_stack;
    int64_t top_bytes = -1;
  };
  absl::flat_hash_map<uint32_t, SiteTotals> by_site;
  const auto& stacks = stacks_.values();
  for (size_t i = 0; i < stacks.size(); ++i) {
    const StackState& s = stacks[i];
    if (s.at_end.empty() && s.allocated.empty()) continue;
    const StackId stack(static_cast<uint32_t>(i));
    builder.Add(stack, {s.at_end.bytes, s.at_end.count, s.allocated.bytes, s.allocated.count});
    if (s.at_end.bytes <= 0) continue;
    SiteTotals& t = by_site[symbols.Site(stack).value()];
    t.live.bytes += s.at_end.bytes;
    t.live.count += s.at_end.count;
    t.freed_at_exit.bytes += s.freed_at_exit.bytes;
    t.freed_at_exit.count += s.freed_at_exit.count;
    if (s.at_end.bytes > t.top_bytes) {
      t.top_bytes = s.at_end.bytes;
      t.top_stack = stack;
    }
  }
  // What each site allocated (also at stacks with nothing left alive).
  for (size_t i = 0; i < stacks.size(); ++i) {
    // The table grows by doubling: slots past the trace's stacks are empty.
    if (stacks[i].allocated.empty()) continue;
    auto it = by_site.find(symbols.Site(StackId(static_cast<uint32_t>(i))).value());
    if (it == by_site.end()) continue;
    it->second.allocated.bytes += stacks[i].allocated.bytes;
    it->second.allocated.count += stacks[i].allocated.count;
  }

  for (const auto& [site_value, t] : by_site) {
    const FrameId site(site_value);
    const SiteState* site_state = sites_.Find(site);
    LeakVerdict v;
    const CodeInfo& code = symbols.code_of(site);
    v.site = {code.function, code.file, symbols.frame(site).line};
    v.site_id = site;
    v.top_node = builder.NodeOf(t.top_stack);
    v.live = t.live;
    v.freed_at_exit = t.freed_at_exit;
    v.allocated = t.allocated;
    v.exit_known = r.exit_known;
    v.first_micros = site_state ? site_state->first_micros : 0;

    // The site's live bytes from its first allocation to the program's end.
    std::vector<std::pair<uint64_t, double>> series;
    const uint64_t first_seq = site_state ? site_state->first_seq : 0;
    for (const Sample& sample : samples_) {
      if (sample.seq < first_seq) continue;
      series.emplace_back(sample.micros, site_value < sample.site_bytes.size()
                                             ? sample.site_bytes[site_value]
                                             : 0.0);
    }
    series.emplace_back(r.program_end_micros, static_cast<double>(t.live.bytes));
    const double final_bytes = static_cast<double>(t.live.bytes);
    const double tolerance = std::max(1.0, final_bytes * kFlatTolerance);
    int rising = 0, falling = 0;
    double most = 0;
    for (size_t i = 0; i < series.size(); ++i) {
      most = std::max(most, series[i].second);
      if (i == 0) continue;
      const double change = series[i].second - series[i - 1].second;
      if (change > tolerance) ++rising;
      if (change < -tolerance) ++falling;
    }
    const size_t intervals = series.size() - 1;
    // Over the intervals in which the site changed: an interval in which it
    // did not (its thread waited for the GIL, the program did something
    // else) is no evidence either way. Whether growth stopped is the flat
    // tail's to say.
    const int changing = rising + falling;
    v.growth = changing > 0 ? static_cast<double>(rising - falling) / changing : 0;
    const double retention = most > 0 ? final_bytes / most : 1;
    const double share = r.program_live.bytes > 0 ? final_bytes / r.program_live.bytes : 1;
    // Flat over the last third of the run: what was reached is kept.
    bool flat_tail = intervals >= 3;
    for (size_t i = series.size() - intervals / 3; flat_tail && i < series.size(); ++i) {
      if (std::abs(series[i].second - series[i - 1].second) > tolerance) flat_tail = false;
    }
    if (rising >= static_cast<int>(kLeakIntervals) && v.growth >= kLeakGrowth && !flat_tail &&
        retention >= kLeakRetention && share >= kLeakShare && t.live.count >= 2) {
      v.kind = LeakKind::kLeak;
    } else if (rising >= static_cast<int>(kLeakIntervals) && v.growth >= kGrowingGrowth &&
               !flat_tail && retention >= kLeakRetention) {
      v.kind = LeakKind::kGrowing;
    } else if (flat_tail) {
      v.kind = LeakKind::kPlateau;
    }
    if (v.kind == LeakKind::kLeak || v.kind == LeakKind::kGrowing) {
      const double evidence = std::min(1.0, static_cast<double>(intervals) / 16);
      // A site too small to be called a leak is not confidently growing either.
      v.confidence = std::clamp(v.growth, 0.0, 1.0) * evidence * std::min(1.0, retention) *
                     std::min(1.0, share / kLeakShare);
    }
    // Evidence: at most kEvidencePoints of the series, evenly spread, the last kept.
    const size_t step = (series.size() + kEvidencePoints - 1) / kEvidencePoints;
    for (size_t i = (series.size() - 1) % step; i < series.size(); i += step) {
      v.series_micros.push_back(series[i].first);
      v.series_bytes.push_back(static_cast<uint64_t>(std::max(0.0, series[i].second)));
    }
    for (const std::vector<float>& snapshot : at_marks_) {
      v.at_marks.push_back(site_value < snapshot.size()
                               ? static_cast<uint64_t>(std::max(0.0f, snapshot[site_value]))
                               : 0);
    }
    r.verdicts.push_back(std::move(v));
  }
  std::sort(r.verdicts.begin(), r.verdicts.end(), [](const LeakVerdict& a, const LeakVerdict& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.live.bytes != b.live.bytes) return a.live.bytes > b.live.bytes;
    return a.site.file + std::to_string(a.site.line) < b.site.file + std::to_string(b.site.line);
  });

  std::vector<std::pair<ProfileFrame, Amount>> startup;
  const auto& startup_sites = startup_.values();
  for (size_t i = 0; i < startup_sites.size(); ++i) {
    if (startup_sites[i].bytes <= 0) continue;
    const FrameId site(static_cast<uint32_t>(i));
    const CodeInfo& code = symbols.code_of(site);
    startup.push_back({{code.function, code.file, symbols.frame(site).line}, startup_sites[i]});
  }
  std::sort(startup.begin(), startup.end(),
            [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
  if (startup.size() > kStartupSites) startup.resize(kStartupSites);
  r.startup_sites = std::move(startup);
}

}  // namespace arenatrace::analyzer
