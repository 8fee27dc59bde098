// Which allocations the analyses look at: the options every analysis takes
// (--thread, --include/--exclude, --domain, --from/--to), resolved against
// one trace. Blocks outside the selection are still replayed (their frees
// must match), but analyses do not count them.
#ifndef ARENATRACE_ANALYZER_REPLAY_SELECTION_H_
#define ARENATRACE_ANALYZER_REPLAY_SELECTION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "core/trace/records.h"

namespace arenatrace::analyzer {

struct Selection {
  // File globs (fnmatch, `*` matches `/` too): a stack is selected when one
  // of its frames is in a file matching an include pattern (if any are
  // given) and none is in a file matching an exclude pattern.
  std::vector<std::string> include_files;
  std::vector<std::string> exclude_files;
  // Thread indexes of the trace (ThreadStart order); unset: every thread.
  std::optional<absl::flat_hash_set<uint32_t>> threads;
  std::optional<trace::Domain> domain;
  // The window, in microseconds since the trace started: allocations made in
  // [from, to) (and, for `peak`, moments in it).
  uint64_t from_micros = 0;
  uint64_t to_micros = UINT64_MAX;
  // The same by allocation sequence, for windows cut by marks (exact where
  // the clock's resolution is not): allocations numbered (after_seq, to_seq].
  uint64_t after_seq = 0;
  uint64_t to_seq = UINT64_MAX;

  bool filters_files() const { return !include_files.empty() || !exclude_files.empty(); }
  bool windowed() const {
    return from_micros != 0 || to_micros != UINT64_MAX || after_seq != 0 || to_seq != UINT64_MAX;
  }
  bool SeqInWindow(uint64_t seq) const { return seq > after_seq && seq <= to_seq; }
};

// Whether `file` matches one of `patterns`.
bool MatchesAny(const std::vector<std::string>& patterns, const std::string& file);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_REPLAY_SELECTION_H_
