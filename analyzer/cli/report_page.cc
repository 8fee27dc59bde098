#include "analyzer/cli/report_page.h"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "analyzer/analyses/allocated.h"
#include "analyzer/analyses/fragmentation.h"
#include "analyzer/analyses/gc.h"
#include "analyzer/analyses/leaks.h"
#include "analyzer/analyses/max_live.h"
#include "analyzer/analyses/peak.h"
#include "analyzer/analyses/peak_by_thread.h"
#include "analyzer/analyses/stacks_by_thread.h"
#include "analyzer/analyses/temporal_peaks.h"
#include "analyzer/analyses/temporary.h"
#include "analyzer/analyses/timeline.h"
#include "analyzer/cli/snapshot_loading.h"
#include "analyzer/graph/leak_evidence.h"
#include "analyzer/graph/retained_profile.h"
#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/model/text.h"
#include "analyzer/render/flame_data.h"
#include "analyzer/render/html_page.h"
#include "analyzer/render/summary_report.h"

namespace arenatrace::cli {
namespace {

// Columns of the timeline: a wide screen's pixels, min/max kept per column.
constexpr size_t kTimelineColumns = 2000;

// What one process's first replay fills; each part only when the page needs it.
struct ProcessAnalyses {
  ProcessReplay replay;
  std::unique_ptr<analyzer::PeakAnalysis> peak;
  std::unique_ptr<analyzer::LeaksAnalysis> leaks;
  std::unique_ptr<analyzer::AllocatedAnalysis> allocated;
  std::unique_ptr<analyzer::TemporaryAnalysis> temporary;
  std::unique_ptr<analyzer::GcAnalysis> gc;
  std::unique_ptr<analyzer::FragmentationAnalysis> fragmentation;
  std::unique_ptr<analyzer::TimelineAnalysis> timeline;
  std::unique_ptr<analyzer::MaxLiveAnalysis> max_live;
  std::unique_ptr<analyzer::PeakByThreadAnalysis> peak_by_thread;
  std::unique_ptr<analyzer::LeaksByThreadAnalysis> leaks_by_thread;
  std::unique_ptr<analyzer::AllocatedByThreadAnalysis> allocated_by_thread;
  std::unique_ptr<analyzer::TemporaryByThreadAnalysis> temporary_by_thread;
  std::unique_ptr<analyzer::PeakResult> peak_result;
  // The last snapshot of the object graph (or --snapshot's), for the leak
  // table's evidence and the retained view.
  std::unique_ptr<analyzer::graph::SnapshotGraphBuilder> snapshot;
  std::unique_ptr<analyzer::StackProfile> retained;

  const analyzer::StackProfile& Profile(StackAnalysisKind kind) {
    switch (kind) {
      case StackAnalysisKind::kPeak:
        return peak_result->profile;
      case StackAnalysisKind::kLeaks:
        return leaks->result().profile;
      case StackAnalysisKind::kAllocated:
        return allocated->profile();
      case StackAnalysisKind::kTemporary:
        return temporary->profile();
      case StackAnalysisKind::kRetained:
        if (!retained) {
          retained = std::make_unique<analyzer::StackProfile>(
              snapshot->result()
                  ? analyzer::graph::RetainedProfile(*snapshot->result(), replay.replay->state())
                  : analyzer::StackProfile());
        }
        return *retained;
    }
    return peak_result->profile;
  }

  // The analysis split by thread (null: not kept, or not splittable).
  std::unique_ptr<analyzer::StackProfile> ByThread(StackAnalysisKind kind) {
    const analyzer::ThreadSplitResult* split = nullptr;
    switch (kind) {
      case StackAnalysisKind::kPeak:
        if (peak_by_thread) split = &peak_by_thread->result();
        break;
      case StackAnalysisKind::kLeaks:
        if (leaks_by_thread) split = &leaks_by_thread->result();
        break;
      case StackAnalysisKind::kAllocated:
        if (allocated_by_thread) split = &allocated_by_thread->result();
        break;
      case StackAnalysisKind::kTemporary:
        if (temporary_by_thread) split = &temporary_by_thread->result();
        break;
      case StackAnalysisKind::kRetained:
        break;  // a snapshot's objects have no thread
    }
    if (!split) return nullptr;
    return std::make_unique<analyzer::StackProfile>(split->Split(Profile(kind)));
  }
};

bool Needs(const ReportPageSpec& spec, StackAnalysisKind kind) {
  if (spec.tables && kind != StackAnalysisKind::kTemporary) return true;  // the summary's parts
  return std::find(spec.views.begin(), spec.views.end(), kind) != spec.views.end();
}

void AddObservers(const ReportPageSpec& spec, std::optional<size_t> snapshot,
                  const analyzer::Selection& selection, analyzer::Replay& replay,
                  ProcessAnalyses* p) {
  if (Needs(spec, StackAnalysisKind::kPeak)) {
    p->peak = std::make_unique<analyzer::PeakAnalysis>(selection.from_micros, selection.to_micros,
                                                       selection.after_seq, selection.to_seq);
    replay.Add(p->peak.get());
    if (spec.threads) {
      p->peak_by_thread = std::make_unique<analyzer::PeakByThreadAnalysis>(
          selection.from_micros, selection.to_micros, selection.after_seq, selection.to_seq);
      replay.Add(p->peak_by_thread.get());
    }
  }
  if (Needs(spec, StackAnalysisKind::kLeaks)) {
    p->leaks = std::make_unique<analyzer::LeaksAnalysis>();
    replay.Add(p->leaks.get());
    if (spec.threads) {
      p->leaks_by_thread = std::make_unique<analyzer::LeaksByThreadAnalysis>();
      replay.Add(p->leaks_by_thread.get());
    }
  }
  if (Needs(spec, StackAnalysisKind::kLeaks) || Needs(spec, StackAnalysisKind::kRetained)) {
    p->snapshot = std::make_unique<analyzer::graph::SnapshotGraphBuilder>(snapshot);
    replay.Add(p->snapshot.get());
  }
  if (Needs(spec, StackAnalysisKind::kAllocated)) {
    p->allocated = std::make_unique<analyzer::AllocatedAnalysis>();
    replay.Add(p->allocated.get());
    if (spec.threads) {
      p->allocated_by_thread = std::make_unique<analyzer::AllocatedByThreadAnalysis>();
      replay.Add(p->allocated_by_thread.get());
    }
  }
  if (Needs(spec, StackAnalysisKind::kTemporary)) {
    p->temporary = std::make_unique<analyzer::TemporaryAnalysis>(spec.within);
    replay.Add(p->temporary.get());
    if (spec.threads) {
      p->temporary_by_thread = std::make_unique<analyzer::TemporaryByThreadAnalysis>(spec.within);
      replay.Add(p->temporary_by_thread.get());
    }
  }
  if (spec.tables) {
    p->gc = std::make_unique<analyzer::GcAnalysis>();
    replay.Add(p->gc.get());
    p->fragmentation = std::make_unique<analyzer::FragmentationAnalysis>();
    replay.Add(p->fragmentation.get());
  }
  if (spec.timeline) {
    p->timeline = std::make_unique<analyzer::TimelineAnalysis>();
    replay.Add(p->timeline.get());
    p->max_live = std::make_unique<analyzer::MaxLiveAnalysis>();
    replay.Add(p->max_live.get());
  }
}

// Removes a list that the page does not show (it has its own flame graphs).
nlohmann::json Without(nlohmann::json json, const char* key) {
  json.erase(key);
  return json;
}

// A long run collects garbage hundreds of thousands of times: one tick per
// generation per column of the timeline is all a screen shows.
void ThinGcEvents(nlohmann::json* timeline) {
  const uint64_t duration = std::max<uint64_t>((*timeline)["duration_micros"].get<uint64_t>(), 1);
  nlohmann::json kept = nlohmann::json::array();
  int64_t last_column[3] = {-1, -1, -1};
  for (nlohmann::json& event : (*timeline)["events"]) {
    if (event["kind"] == "gc") {
      const uint64_t generation = std::min<uint64_t>(event["generation"].get<uint64_t>(), 2);
      const auto column =
          static_cast<int64_t>(static_cast<unsigned __int128>(event["micros"].get<uint64_t>()) *
                               kTimelineColumns / duration);
      if (column == last_column[generation]) continue;
      last_column[generation] = column;
    }
    kept.push_back(std::move(event));
  }
  (*timeline)["events"] = std::move(kept);
}

// The temporal view of one process: the second replay, over the nodes of
// the most-ever-live profile pruned against the heap's peak.
int TemporalJson(const analyzer::TraceFile& trace, const CommonOptions& options,
                 const ReportPageSpec& spec, ProcessAnalyses& p, analyzer::FrameTable* frames,
                 nlohmann::json* out) {
  const analyzer::StackProfile& most = p.max_live->profile();
  const analyzer::ProfileValues total = most.Total();
  uint64_t peak_bytes = 0;
  for (const analyzer::TimelinePoint& point : p.timeline->result().points) {
    peak_bytes = std::max(peak_bytes, point.heap_max);
  }
  const double share = total.bytes > 0
                           ? analyzer::kFlameMinShare * static_cast<double>(peak_bytes) /
                                 static_cast<double>(total.bytes)
                           : analyzer::kFlameMinShare;
  analyzer::FlameTree tree = analyzer::PruneForFlameGraph(most, frames, share);
  // The stacks of the trace, as the first replay defined them (the second
  // defines the same ids in the same order), mapped to the kept nodes.
  const analyzer::Symbols& symbols = p.replay.replay->state().symbols;
  analyzer::StackProfile scratch = most;
  analyzer::ProfileBuilder builder(symbols, &scratch);
  std::vector<uint32_t> node_of_stack(symbols.stack_count(), 0);
  for (size_t i = 0; i < symbols.stack_count(); ++i) {
    const uint32_t node = builder.NodeOf(analyzer::StackId(static_cast<uint32_t>(i)));
    node_of_stack[i] = node < tree.kept_of_node.size() ? tree.kept_of_node[node] : 0;
  }
  analyzer::TemporalPeaksAnalysis temporal(std::move(node_of_stack), tree.kept,
                                           p.replay.replay->state().now, spec.buckets);
  ProcessReplay second{p.replay.index, nullptr};
  if (const int status = ReplayProcess(
          trace, options,
          [&](analyzer::Replay& replay, const analyzer::Selection&) { replay.Add(&temporal); },
          &second);
      status >= 0) {
    return status;
  }
  nlohmann::json from = nlohmann::json::array(), to = nlohmann::json::array(),
                 heap = nlohmann::json::array(), at = nlohmann::json::array(),
                 deltas = nlohmann::json::array();
  for (const analyzer::TemporalBucket& b : temporal.buckets()) {
    from.push_back(b.from_micros);
    to.push_back(b.to_micros);
    heap.push_back(b.peak_bytes);
    at.push_back(b.peak_micros);
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& [node, delta] : b.deltas) {
      pairs.push_back(node);
      pairs.push_back(delta);
    }
    deltas.push_back(std::move(pairs));
  }
  tree.json["measure"] = "live at the highest moment of the selected range";
  *out = {{"tree", std::move(tree.json)}, {"from_micros", from}, {"to_micros", to},
          {"peak_bytes", heap},           {"peak_micros", at},   {"deltas", deltas}};
  return -1;
}

}  // namespace

void AddReportPageOptions(CLI::App& app, CommonOptions* options, ReportPageSpec* spec) {
  AddCommonOptions(app, options, kTraceArgument | kSelectionOptions | kOutputOption);
  if (spec->timeline) {
    app.add_option("--buckets", spec->buckets,
                   "spans of time whose highest moments the timeline's range selection picks "
                   "from (default 150)")
        ->check(CLI::Range(1, 2000));
  }
}

int WriteReportPage(const CLI::App& app, const CommonOptions& options, const ReportPageSpec& spec) {
  if ((options.output.empty() || options.output == "-") && isatty(STDOUT_FILENO)) {
    return Fail(app.get_name(), "the page is HTML: name a file with -o FILE", kUsage);
  }
  std::optional<size_t> snapshot;
  if (!ParseSnapshotOption(app.get_name(), spec.snapshot, &snapshot)) return kUsage;
  LoadedRun loaded;
  if (const int status = LoadRun(app, options, &loaded); status >= 0) return status;
  std::vector<ProcessAnalyses> processes;
  for (size_t index : loaded.selected) {
    ProcessAnalyses p;
    p.replay.index = index;
    if (const int status = ReplayProcess(
            loaded.run.traces[index], options,
            [&](analyzer::Replay& replay, const analyzer::Selection& selection) {
              AddObservers(spec, snapshot, selection, replay, &p);
            },
            &p.replay);
        status >= 0) {
      return status;
    }
    if (p.peak) p.peak_result = std::make_unique<analyzer::PeakResult>(p.peak->Result());
    processes.push_back(std::move(p));
  }

  // A snapshot asked for by number must exist (in the root process, whose
  // snapshots the page shows first), as `graph` requires.
  if (snapshot && !processes.empty() && processes[0].snapshot && !processes[0].snapshot->result()) {
    const size_t seen = processes[0].replay.replay->state().snapshots.size();
    if (seen > 0) {
      return Fail(app.get_name(),
                  absl::StrCat(analyzer::Printable(options.trace), ": the trace has ", seen,
                               seen == 1 ? " snapshot" : " snapshots", ", and snapshot ",
                               *snapshot + 1, " is not one of them or was cut short"),
                  kUsage);
    }
  }

  analyzer::FrameTable frames;
  nlohmann::json views = nlohmann::json::array();
  const bool any_snapshot =
      std::any_of(processes.begin(), processes.end(),
                  [](const ProcessAnalyses& p) { return p.snapshot && p.snapshot->result(); });
  if (spec.views == std::vector{StackAnalysisKind::kRetained} && !any_snapshot) {
    return Fail(app.get_name(),
                absl::StrCat(analyzer::Printable(options.trace), ": ", kNoSnapshotReason), kUsage);
  }
  for (StackAnalysisKind kind : spec.views) {
    if (kind == StackAnalysisKind::kRetained && !any_snapshot) continue;
    analyzer::StackProfile run;
    if (processes.size() == 1) {
      run = processes[0].Profile(kind);
    } else {
      for (ProcessAnalyses& p : processes) {
        const analyzer::StackProfile& profile = p.Profile(kind);
        run.measure = profile.measure;
        const uint32_t process_node = run.Child(
            0,
            run.InternFrame({analyzer::ProcessLabel(loaded.run.traces[p.replay.index]), "", 0, 0}));
        run.Merge(profile, process_node);
      }
    }
    views.push_back({{"name", StackAnalysisName(kind)},
                     {"tree", analyzer::PruneForFlameGraph(run, &frames).json}});
  }

  // Each view split by thread, for the thread menu: the peak's is also a
  // view of its own ("threads"), the others are shown only for one thread.
  // A run whose processes have one thread each gets only the "threads"
  // view: the others would repeat their views for that one thread.
  const bool several_threads = std::any_of(
      processes.begin(), processes.end(),
      [](const ProcessAnalyses& p) { return p.replay.replay->state().threads.size() > 1; });
  nlohmann::json thread_views = nlohmann::json::object();
  for (StackAnalysisKind kind : spec.views) {
    if (!spec.threads || processes.empty()) continue;
    if (kind != StackAnalysisKind::kPeak && !several_threads) continue;
    analyzer::StackProfile run;
    bool split = true;
    for (ProcessAnalyses& p : processes) {
      const std::unique_ptr<analyzer::StackProfile> profile = p.ByThread(kind);
      if (!profile) {
        split = false;
        break;
      }
      run.measure = profile->measure;
      const uint32_t under =
          processes.size() == 1
              ? 0
              : run.Child(
                    0, run.InternFrame(
                           {analyzer::ProcessLabel(loaded.run.traces[p.replay.index]), "", 0, 0}));
      run.Merge(*profile, under);
    }
    if (!split) continue;
    // Each thread pruned against its own total (under its process, when the
    // run has several): a small thread chosen alone still shows its stacks.
    nlohmann::json tree = analyzer::PruneForFlameGraph(run, &frames, analyzer::kFlameMinShare,
                                                       processes.size() == 1 ? 1 : 2)
                              .json;
    if (kind == StackAnalysisKind::kPeak) {
      views.push_back({{"name", "threads"}, {"tree", std::move(tree)}});
    } else {
      thread_views[StackAnalysisName(kind)] = std::move(tree);
    }
  }

  const analyzer::ListLimits limits{spec.top, 0};
  nlohmann::json process_list = nlohmann::json::array();
  for (ProcessAnalyses& p : processes) {
    const analyzer::TraceFile& trace = loaded.run.traces[p.replay.index];
    const analyzer::ReplayState& state = p.replay.replay->state();
    nlohmann::json json = {{"label", analyzer::ProcessLabel(trace)},
                           {"process", analyzer::ProcessJson(trace, &state)}};
    if (spec.tables) {
      const analyzer::SummaryInput input{
          &loaded.run,         p.replay.index,  &state, &p.allocated->profile(),
          p.peak_result.get(), &p.gc->result(), 10};
      json["summary"] = nlohmann::json::parse(analyzer::SummaryJson(input), nullptr, false);
      json["peak"] = Without(analyzer::PeakJson(*p.peak_result, limits), "profile");
      std::optional<analyzer::graph::LeakEvidence> evidence;
      if (p.snapshot->result()) {
        evidence = analyzer::graph::BuildLeakEvidence(
            *p.snapshot->result(), p.snapshot->snapshots_seen(), state,
            analyzer::EvidenceSites(p.leaks->result(), limits), limits.top);
      }
      json["leaks"] =
          Without(analyzer::LeaksJson(p.leaks->result(), limits, evidence ? &*evidence : nullptr),
                  "profile");
      json["gc"] = Without(analyzer::GcJson(p.gc->result(), limits), "freed");
      json["fragmentation"] = analyzer::FragmentationJson(p.fragmentation->result(), limits);
    }
    if (spec.timeline) {
      json["timeline"] = analyzer::TimelineJson(p.timeline->result(), kTimelineColumns);
      ThinGcEvents(&json["timeline"]);
      nlohmann::json temporal;
      if (const int status = TemporalJson(trace, options, spec, p, &frames, &temporal);
          status >= 0) {
        return status;
      }
      json["temporal"] = std::move(temporal);
    }
    process_list.push_back(std::move(json));
  }

  // What the terminal is told is on the page too: a page read later, or by
  // someone else, must say that a trace was cut short.
  std::vector<std::string> warnings = loaded.run.warnings;
  for (const ProcessAnalyses& p : processes) {
    const analyzer::ReplayState& state = p.replay.replay->state();
    if (state.Complete()) continue;
    warnings.push_back(
        absl::StrCat(loaded.run.traces[p.replay.index].path, ": the trace is incomplete (",
                     state.problem.empty() ? "the process ended without closing it" : state.problem,
                     "); shown up to its last intact chunk"));
  }
  nlohmann::json data = {{"command", spec.command},
                         {"trace", options.trace},
                         {"metric", spec.count ? "count" : "bytes"},
                         {"frames", frames.Json()},
                         {"views", views},
                         {"thread_views", thread_views},
                         {"processes", process_list},
                         {"run_warnings", warnings}};
  const std::string title = absl::StrCat("arenatrace ", spec.command, ": ", options.trace);
  if (!WriteOutput(options, analyzer::HtmlPage(title, data))) return kUnreadable;
  std::vector<const ProcessReplay*> replays;
  for (const ProcessAnalyses& p : processes) replays.push_back(&p.replay);
  return FinishWithStatus(replays, loaded.run);
}

}  // namespace arenatrace::cli
