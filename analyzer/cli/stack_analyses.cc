#include "analyzer/cli/stack_analyses.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analyzer/analyses/allocated.h"
#include "analyzer/analyses/leaks.h"
#include "analyzer/analyses/peak.h"
#include "analyzer/analyses/temporary.h"
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
  analyzer::ReplayObserver* observer() override { return &peak_; }
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

class Leaks : public StackAnalysis {
 public:
  analyzer::ReplayObserver* observer() override { return &leaks_; }
  const analyzer::StackProfile& profile() override { return leaks_.result().profile; }
  nlohmann::json Json(const ListLimits& limits) override {
    return LeaksJson(leaks_.result(), limits);
  }
  std::string Text(const ListLimits& limits) override { return LeaksText(leaks_.result(), limits); }
  std::vector<analyzer::LeakVerdict> Leaked() override {
    std::vector<analyzer::LeakVerdict> leaked;
    for (const analyzer::LeakVerdict& v : leaks_.result().verdicts) {
      if (v.kind == analyzer::LeakKind::kLeak) leaked.push_back(v);
    }
    return leaked;
  }

 private:
  analyzer::LeaksAnalysis leaks_;
};

class Allocated : public StackAnalysis {
 public:
  analyzer::ReplayObserver* observer() override { return &allocated_; }
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
  analyzer::ReplayObserver* observer() override { return &temporary_; }
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
  }
  return "?";
}

std::unique_ptr<StackAnalysis> MakeStackAnalysis(StackAnalysisKind kind,
                                                 const analyzer::Selection& selection,
                                                 uint32_t within) {
  switch (kind) {
    case StackAnalysisKind::kPeak:
      return std::make_unique<Peak>(selection);
    case StackAnalysisKind::kLeaks:
      return std::make_unique<Leaks>();
    case StackAnalysisKind::kAllocated:
      return std::make_unique<Allocated>();
    case StackAnalysisKind::kTemporary:
      return std::make_unique<Temporary>(within);
  }
  return nullptr;
}

int ReplayWithStackAnalysis(const LoadedRun& loaded, const CommonOptions& options,
                            StackAnalysisKind kind, uint32_t within,
                            std::vector<ProcessStackAnalysis>* out) {
  for (size_t index : loaded.selected) {
    ProcessStackAnalysis p;
    p.replay.index = index;
    const int status = ReplayProcess(
        loaded.run.traces[index], options,
        [&](analyzer::Replay& replay, const analyzer::Selection& selection) {
          p.analysis = MakeStackAnalysis(kind, selection, within);
          replay.Add(p.analysis->observer());
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
                  uint32_t within, analyzer::StackProfile* out, bool* incomplete) {
  LoadedRun loaded;
  if (const int status = LoadRun(app, options, &loaded); status >= 0) return status;
  std::vector<ProcessStackAnalysis> processes;
  if (const int status = ReplayWithStackAnalysis(loaded, options, kind, within, &processes);
      status >= 0) {
    return status;
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
          ReplayWithStackAnalysis(loaded, options, spec.kind, spec.within, &processes);
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
