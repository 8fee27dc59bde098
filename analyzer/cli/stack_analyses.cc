#include "analyzer/cli/stack_analyses.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analyzer/analyses/allocated.h"
#include "analyzer/analyses/leaks.h"
#include "analyzer/analyses/peak.h"
#include "analyzer/analyses/temporary.h"
#include "analyzer/cli/snapshot_loading.h"
#include "analyzer/graph/leak_evidence.h"
#include "analyzer/graph/retained_profile.h"
#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/model/text.h"
#include "analyzer/render/format.h"
#include "analyzer/render/text_report.h"

namespace arenatrace::cli {
namespace {

using analyzer::ListLimits;

class Peak : public StackAnalysis {
 public:
  explicit Peak(const analyzer::Selection& s)
      : peak_(s.from_micros, s.to_micros, s.after_seq, s.to_seq) {}
  void Observe(analyzer::Replay& replay) override { replay.Add(&peak_); }
  const analyzer::StackProfile& profile() override { return Result().profile; }
  nlohmann::json Json(const ListLimits& limits) override { return PeakJson(Result(), limits); }
  std::string Text(const ListLimits& limits) override { return PeakText(Result(), limits); }

 private:
  const analyzer::PeakResult& Result() {
    if (!result_) result_ = std::make_unique<analyzer::PeakResult>(peak_.Result());
    return *result_;
  }
  analyzer::PeakAnalysis peak_;
  std::unique_ptr<analyzer::PeakResult> result_;
};

// With the last whole snapshot of the object graph, when the trace has one:
// the evidence of why the sites' objects are alive.
class Leaks : public StackAnalysis {
 public:
  void Observe(analyzer::Replay& replay) override {
    state_ = &replay.state();
    replay.Add(&leaks_);
    replay.Add(&snapshot_);
  }
  const analyzer::StackProfile& profile() override { return leaks_.result().profile; }
  nlohmann::json Json(const ListLimits& limits) override {
    return LeaksJson(leaks_.result(), limits, Evidence(limits));
  }
  std::string Text(const ListLimits& limits) override {
    return LeaksText(leaks_.result(), limits, Evidence(limits));
  }
  std::vector<analyzer::LeakVerdict> Leaked() override {
    std::vector<analyzer::LeakVerdict> leaked;
    for (const analyzer::LeakVerdict& v : leaks_.result().verdicts) {
      if (v.kind == analyzer::LeakKind::kLeak) leaked.push_back(v);
    }
    return leaked;
  }

 private:
  const analyzer::graph::LeakEvidence* Evidence(const ListLimits& limits) {
    if (!evidence_ && snapshot_.result()) {
      evidence_ = analyzer::graph::BuildLeakEvidence(
          *snapshot_.result(), snapshot_.snapshots_seen(), *state_,
          analyzer::EvidenceSites(leaks_.result(), limits), limits.top);
    }
    return evidence_ ? &*evidence_ : nullptr;
  }

  analyzer::LeaksAnalysis leaks_;
  analyzer::graph::SnapshotGraphBuilder snapshot_;
  const analyzer::ReplayState* state_ = nullptr;
  std::optional<analyzer::graph::LeakEvidence> evidence_;
};

class Retained : public StackAnalysis {
 public:
  explicit Retained(std::optional<size_t> snapshot) : snapshot_(snapshot) {}
  void Observe(analyzer::Replay& replay) override {
    state_ = &replay.state();
    replay.Add(&snapshot_);
  }
  bool available() override { return snapshot_.result().has_value(); }
  const analyzer::StackProfile& profile() override {
    if (!profile_) {
      profile_ = snapshot_.result() ? analyzer::graph::RetainedProfile(*snapshot_.result(), *state_)
                                    : analyzer::StackProfile();
    }
    return *profile_;
  }
  nlohmann::json Json(const ListLimits& limits) override {
    return {{"profile", ProfileJson(profile(), limits)}};
  }
  std::string Text(const ListLimits& limits) override { return ProfileText(profile(), limits); }

 private:
  analyzer::graph::SnapshotGraphBuilder snapshot_;
  const analyzer::ReplayState* state_ = nullptr;
  std::optional<analyzer::StackProfile> profile_;
};

class Allocated : public StackAnalysis {
 public:
  void Observe(analyzer::Replay& replay) override { replay.Add(&allocated_); }
  const analyzer::StackProfile& profile() override { return allocated_.profile(); }
  nlohmann::json Json(const ListLimits& limits) override {
    return {{"profile", ProfileJson(allocated_.profile(), limits)}};
  }
  std::string Text(const ListLimits& limits) override {
    return ProfileText(allocated_.profile(), limits);
  }

 private:
  analyzer::AllocatedAnalysis allocated_;
};

class Temporary : public StackAnalysis {
 public:
  explicit Temporary(uint32_t within) : temporary_(within) {}
  void Observe(analyzer::Replay& replay) override { replay.Add(&temporary_); }
  const analyzer::StackProfile& profile() override { return temporary_.profile(); }
  nlohmann::json Json(const ListLimits& limits) override {
    const analyzer::ProfileValues total = temporary_.profile().Total();
    return {{"within", temporary_.within()},
            {"temporary", {{"bytes", total.bytes}, {"count", total.count}}},
            {"profile", ProfileJson(temporary_.profile(), limits)}};
  }
  std::string Text(const ListLimits& limits) override {
    const analyzer::ProfileValues total = temporary_.profile().Total();
    return absl::StrCat(
        "  ", total.count, " temporary allocations (", analyzer::Bytes(total.bytes), ") ",
        temporary_.within() == 0
            ? "freed before their thread's next allocation"
            : absl::StrCat("freed within ", temporary_.within(), " allocations of their thread"),
        "\n\n", ProfileText(temporary_.profile(), limits));
  }

 private:
  analyzer::TemporaryAnalysis temporary_;
};

}  // namespace

const char* StackAnalysisName(StackAnalysisKind kind) {
  switch (kind) {
    case StackAnalysisKind::kPeak:
      return "peak";
    case StackAnalysisKind::kLeaks:
      return "leaks";
    case StackAnalysisKind::kAllocated:
      return "allocated";
    case StackAnalysisKind::kTemporary:
      return "temporary";
    case StackAnalysisKind::kRetained:
      return "retained";
  }
  return "?";
}

std::unique_ptr<StackAnalysis> MakeStackAnalysis(StackAnalysisKind kind,
                                                 const analyzer::Selection& selection,
                                                 const StackAnalysisOptions& options) {
  switch (kind) {
    case StackAnalysisKind::kPeak:
      return std::make_unique<Peak>(selection);
    case StackAnalysisKind::kLeaks:
      return std::make_unique<Leaks>();
    case StackAnalysisKind::kAllocated:
      return std::make_unique<Allocated>();
    case StackAnalysisKind::kTemporary:
      return std::make_unique<Temporary>(options.within);
    case StackAnalysisKind::kRetained:
      return std::make_unique<Retained>(options.snapshot);
  }
  return nullptr;
}

int ReplayWithStackAnalysis(const LoadedRun& loaded, const CommonOptions& options,
                            StackAnalysisKind kind, const StackAnalysisOptions& analysis,
                            std::vector<ProcessStackAnalysis>* out) {
  for (size_t index : loaded.selected) {
    ProcessStackAnalysis p;
    p.replay.index = index;
    const int status = ReplayProcess(
        loaded.run.traces[index], options,
        [&](analyzer::Replay& replay, const analyzer::Selection& selection) {
          p.analysis = MakeStackAnalysis(kind, selection, analysis);
          p.analysis->Observe(replay);
        },
        &p.replay);
    if (status >= 0) return status;
    out->push_back(std::move(p));
  }
  return -1;
}

analyzer::StackProfile RunProfile(const LoadedRun& loaded,
                                  const std::vector<ProcessStackAnalysis>& processes) {
  if (processes.size() == 1) return processes[0].analysis->profile();
  analyzer::StackProfile run;
  for (const ProcessStackAnalysis& p : processes) {
    const analyzer::StackProfile& profile = p.analysis->profile();
    run.measure = profile.measure;
    const uint32_t process_node = run.Child(
        0, run.InternFrame({analyzer::ProcessLabel(loaded.run.traces[p.replay.index]), "", 0, 0}));
    run.Merge(profile, process_node);
  }
  return run;
}

std::vector<const ProcessReplay*> Replays(const std::vector<ProcessStackAnalysis>& processes) {
  std::vector<const ProcessReplay*> replays;
  for (const ProcessStackAnalysis& p : processes) replays.push_back(&p.replay);
  return replays;
}

int MergedProfile(const CLI::App& app, const CommonOptions& options, StackAnalysisKind kind,
                  const StackAnalysisOptions& analysis, analyzer::StackProfile* out,
                  bool* incomplete) {
  LoadedRun loaded;
  if (const int status = LoadRun(app, options, &loaded); status >= 0) return status;
  std::vector<ProcessStackAnalysis> processes;
  if (const int status = ReplayWithStackAnalysis(loaded, options, kind, analysis, &processes);
      status >= 0) {
    return status;
  }
  if (kind == StackAnalysisKind::kRetained &&
      std::none_of(processes.begin(), processes.end(),
                   [](const ProcessStackAnalysis& p) { return p.analysis->available(); })) {
    return Fail(app.get_name(),
                absl::StrCat(analyzer::Printable(options.trace), ": ", kNoSnapshotReason), kUsage);
  }
  for (const ProcessStackAnalysis& p : processes) {
    out->measure = p.analysis->profile().measure;
    out->Merge(p.analysis->profile());
    if (!p.replay.replay->state().Complete()) *incomplete = true;
  }
  // The warnings; the caller decides the status.
  FinishWithStatus(Replays(processes), loaded.run, options.quiet);
  return -1;
}

int StackCommandAfterParse(const StackCommandSpec& spec, const CommonOptions& options,
                           const CLI::App& app) {
  LoadedRun loaded;
  if (const int status = LoadRun(app, options, &loaded); status >= 0) return status;
  std::vector<ProcessStackAnalysis> processes;
  if (const int status =
          ReplayWithStackAnalysis(loaded, options, spec.kind, {spec.within}, &processes);
      status >= 0) {
    return status;
  }
  const ListLimits limits = options.limits();
  std::vector<analyzer::LeakVerdict> leaked;
  for (ProcessStackAnalysis& p : processes) {
    for (analyzer::LeakVerdict& v : p.analysis->Leaked()) {
      v.pid = loaded.run.traces[p.replay.index].header.pid;
      leaked.push_back(std::move(v));
    }
  }
  std::sort(leaked.begin(), leaked.end(),
            [](const auto& a, const auto& b) { return a.live.bytes > b.live.bytes; });
  std::string out;
  if (options.json) {
    nlohmann::json list = nlohmann::json::array();
    for (ProcessStackAnalysis& p : processes) {
      nlohmann::json process =
          ProcessJson(loaded.run.traces[p.replay.index], &p.replay.replay->state());
      process[spec.name] = p.analysis->Json(limits);
      list.push_back(process);
    }
    nlohmann::json run = {{"profile", ProfileJson(RunProfile(loaded, processes), limits)}};
    if (spec.kind == StackAnalysisKind::kLeaks) {
      nlohmann::json leaks = nlohmann::json::array();
      for (const analyzer::LeakVerdict& v : leaked) {
        leaks.push_back({{"pid", v.pid},
                         {"site", FrameJson(v.site)},
                         {"live", AmountJson(v.live)},
                         {"confidence", v.confidence}});
      }
      run["leaks"] = leaks;
    }
    out = JsonText({{"command", spec.name},
                    {"trace", options.trace},
                    {"processes", list},
                    {"run", run},
                    {"run_warnings", loaded.run.warnings}});
  } else {
    absl::StrAppend(&out, "arenatrace ", spec.name, " of ", analyzer::Printable(options.trace),
                    "\n");
    for (ProcessStackAnalysis& p : processes) {
      absl::StrAppend(
          &out, "\n",
          ProcessHeadingText(loaded.run.traces[p.replay.index], p.replay.replay->state()),
          p.analysis->Text(limits));
    }
    if (processes.size() > 1 && spec.kind == StackAnalysisKind::kLeaks) {
      absl::StrAppend(&out, "\nleaks across the run (", processes.size(), " processes):\n");
      for (const analyzer::LeakVerdict& v : leaked) {
        absl::StrAppend(&out, "  pid ", v.pid, "  ", analyzer::Bytes(v.live.bytes), " in ",
                        v.live.count, " blocks  ", analyzer::FrameLabel(v.site), "\n");
      }
      if (leaked.empty()) absl::StrAppend(&out, "  none\n");
    }
  }
  if (!WriteOutput(options, out)) return kUnreadable;
  return FinishWithStatus(Replays(processes), loaded.run);
}

}  // namespace arenatrace::cli
