#include "analyzer/model/run.h"

#include <algorithm>
#include <filesystem>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "analyzer/model/text.h"
#include "core/trace/trace_reader.h"

namespace arenatrace::analyzer {
namespace {

// "<pid>" or "<pid>.<n>".
bool IsProcessSuffix(absl::string_view suffix) {
  const std::vector<absl::string_view> parts = absl::StrSplit(suffix, '.');
  if (parts.size() > 2) return false;
  for (absl::string_view part : parts) {
    if (part.empty() || part.find_first_not_of("0123456789") != absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool FindRun(const std::string& root_path, Run* run, std::string* error) {
  std::unique_ptr<trace::TraceReader> root = trace::TraceReader::Open(root_path, error);
  if (!root) return false;
  std::vector<TraceFile> candidates;
  candidates.push_back({root_path, root->header()});
  root.reset();

  const std::filesystem::path path(root_path);
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const std::string base = path.filename().string();
  std::error_code ignored;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ignored)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, base + ".") && IsProcessSuffix(name.substr(base.size() + 1))) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string child_path = path.has_parent_path() ? (dir / name).string() : name;
    std::string child_error;
    std::unique_ptr<trace::TraceReader> child = trace::TraceReader::Open(child_path, &child_error);
    if (!child) {
      run->warnings.push_back(absl::StrCat(Printable(child_error), "; skipped"));
      continue;
    }
    candidates.push_back({child_path, child->header()});
  }

  // Parents: the latest earlier trace of the same pid (an exec), else of
  // the parent pid. Candidates are linked in order of their start.
  std::vector<int> order(candidates.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin() + 1, order.end(), [&](int a, int b) {
    return candidates[a].header.start_unix_micros < candidates[b].header.start_unix_micros;
  });
  std::vector<bool> connected(candidates.size(), false);
  connected[0] = true;
  // A fork child's clock is its parent's, so its start is the root's, give or
  // take the wall clock's jitter; an earlier run's files are older.
  constexpr uint64_t kStartSlack = 1000000;
  const uint64_t root_start = candidates[0].header.start_unix_micros;
  size_t earlier_run = 0;
  for (size_t k = 1; k < order.size(); ++k) {
    TraceFile& t = candidates[order[k]];
    if (t.header.start_unix_micros + kStartSlack < root_start) {
      ++earlier_run;
      continue;
    }
    int same_pid = -1, parent_pid = -1;
    for (size_t j = 0; j < k; ++j) {
      const int c = order[j];
      if (!connected[c]) continue;
      if (candidates[c].header.pid == t.header.pid) same_pid = c;
      if (candidates[c].header.pid == t.header.ppid) parent_pid = c;
    }
    const int parent = same_pid >= 0 ? same_pid : parent_pid;
    if (parent < 0) {
      ++earlier_run;
      continue;
    }
    t.parent = parent;
    t.exec_image = same_pid >= 0;
    connected[order[k]] = true;
  }
  if (earlier_run > 0) {
    run->warnings.push_back(absl::StrCat(earlier_run, " trace file", earlier_run == 1 ? "" : "s",
                                         " named like this run's but not part of it (an "
                                         "earlier run's?) left out"));
  }
  // Depth first from the root, children in order of their start.
  std::vector<int> new_index(candidates.size(), -1);
  std::vector<std::vector<int>> children(candidates.size());
  for (size_t k = 1; k < order.size(); ++k) {
    if (connected[order[k]]) children[candidates[order[k]].parent].push_back(order[k]);
  }
  std::vector<std::pair<int, uint32_t>> stack = {{0, 0}};
  while (!stack.empty()) {
    const auto [c, depth] = stack.back();
    stack.pop_back();
    new_index[c] = static_cast<int>(run->traces.size());
    TraceFile t = candidates[c];
    t.depth = depth;
    t.parent = t.parent < 0 ? -1 : new_index[t.parent];
    run->traces.push_back(std::move(t));
    for (auto it = children[c].rbegin(); it != children[c].rend(); ++it) {
      stack.push_back({*it, depth + 1});
    }
  }
  for (size_t i = 1; i < run->traces.size(); ++i) {
    run->traces[run->traces[i].parent].children.push_back(static_cast<int>(i));
  }
  return true;
}

std::string ProcessLabel(const TraceFile& trace) {
  std::string command = absl::StrJoin(trace.header.argv, " ");
  if (command.size() > 80) command = command.substr(0, 77) + "...";
  return Printable(absl::StrCat("pid ", trace.header.pid, " (", command, ")"));
}

}  // namespace arenatrace::analyzer
