#include "analyzer/analyses/generations.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace arenatrace::analyzer {
namespace {

constexpr size_t kSitesPerList = 20;

// Rows of (stack, amount) summed by site, largest first, at most kSitesPerList.
std::vector<SiteAmount> BySiteOf(const Symbols& symbols,
                                 const std::vector<std::pair<StackId, Amount>>& rows,
                                 Amount* total) {
  absl::flat_hash_map<uint32_t, Amount> sites;
  for (const auto& [stack, amount] : rows) {
    Amount& a = sites[symbols.Site(stack).value()];
    a.bytes += amount.bytes;
    a.count += amount.count;
    total->bytes += amount.bytes;
    total->count += amount.count;
  }
  std::vector<SiteAmount> result;
  for (const auto& [site_value, amount] : sites) {
    const FrameId site(site_value);
    const CodeInfo& code = symbols.code_of(site);
    result.push_back({{code.function, code.file, symbols.frame(site).line}, amount});
  }
  std::sort(result.begin(), result.end(), [](const SiteAmount& a, const SiteAmount& b) {
    return a.amount.bytes != b.amount.bytes ? a.amount.bytes > b.amount.bytes
                                            : a.site.line < b.site.line;
  });
  if (result.size() > kSitesPerList) result.resize(kSitesPerList);
  return result;
}

}  // namespace

uint32_t GenerationsAnalysis::PhaseOf(const Block& block) const {
  // Mark i came after mark_seqs_[i] allocations: the block is after it when
  // its sequence number is larger.
  return static_cast<uint32_t>(std::lower_bound(mark_seqs_.begin(), mark_seqs_.end(), block.seq) -
                               mark_seqs_.begin());
}

void GenerationsAnalysis::OnAlloc(uint64_t, const Block& block) {
  if (!Counted(block)) return;
  const uint64_t key = Key(PhaseOf(block), block.stack);
  live_[key].Add(block.size, block.count);
  allocated_[key].Add(block.size, block.count);
}

void GenerationsAnalysis::OnRelease(uint64_t, const Block& block, Release) {
  if (!Counted(block)) return;
  auto it = live_.find(Key(PhaseOf(block), block.stack));
  if (it == live_.end()) return;
  it->second.Remove(block.size, block.count);
  if (it->second.count <= 0 && it->second.bytes <= 0) live_.erase(it);
}

void GenerationsAnalysis::Checkpoint(std::string label) {
  const uint32_t index = static_cast<uint32_t>(result_.checkpoints.size());
  result_.checkpoints.push_back({std::move(label), state().now});
  for (const auto& [key, amount] : live_) {
    if (amount.empty()) continue;
    rows_.push_back(
        {index, static_cast<uint32_t>(key >> 32), StackId(static_cast<uint32_t>(key)), amount});
  }
}

void GenerationsAnalysis::OnMark() {
  const MarkInfo& mark = state().marks.back();
  mark_seqs_.push_back(mark.seq);
  if (!program_ended_) Checkpoint(absl::StrCat("mark '", mark.label, "'"));
}

void GenerationsAnalysis::OnFinalizing() {
  program_ended_ = true;
  Checkpoint("program end");
}

void GenerationsAnalysis::OnEnd() {
  if (!program_ended_) {
    program_ended_ = true;
    Checkpoint("program end");
  } else if (state().Complete()) {
    Checkpoint("exit");
  }
  const Symbols& symbols = state().symbols;
  const ReplayState& s = state();
  // Marks made after the program's end have no checkpoint and cut no phase.
  const size_t marks = std::min(mark_seqs_.size(), result_.checkpoints.size() - 1);
  // Survivors grouped by (phase, checkpoint), allocations by phase.
  absl::flat_hash_map<uint64_t, std::vector<std::pair<StackId, Amount>>> alive_by;
  for (const Row& row : rows_) {
    alive_by[(static_cast<uint64_t>(row.phase) << 32) | row.checkpoint].emplace_back(row.stack,
                                                                                     row.amount);
  }
  std::vector<std::vector<std::pair<StackId, Amount>>> allocated_by(marks + 1);
  for (const auto& [key, amount] : allocated_) {
    if ((key >> 32) <= marks) {
      allocated_by[key >> 32].emplace_back(StackId(static_cast<uint32_t>(key)), amount);
    }
  }
  for (size_t p = 0; p <= marks; ++p) {
    GenerationsResult::Phase phase;
    if (marks == 0) {
      phase.label = "the whole program";
    } else if (p == 0) {
      phase.label = absl::StrCat("until mark '", s.marks[0].label, "'");
    } else {
      phase.label = absl::StrCat("after mark '", s.marks[p - 1].label, "'");
    }
    phase.from_micros = p == 0 ? s.startup_end_micros : s.marks[p - 1].micros;
    phase.to_micros = result_.checkpoints[p].micros;
    phase.allocated_sites = BySiteOf(symbols, allocated_by[p], &phase.allocated);
    phase.first_checkpoint = p;
    for (size_t c = p; c < result_.checkpoints.size(); ++c) {
      Amount total;
      auto it = alive_by.find((static_cast<uint64_t>(p) << 32) | c);
      phase.survivors.push_back(it == alive_by.end() ? std::vector<SiteAmount>{}
                                                     : BySiteOf(symbols, it->second, &total));
      phase.alive.push_back(total);
    }
    result_.phases.push_back(std::move(phase));
  }
}

}  // namespace arenatrace::analyzer
