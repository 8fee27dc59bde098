// The one shape of every stack analysis (peak, leaks, allocated, temporary,
// diff, and later retained): a trie of Python frames whose nodes carry
// values. It holds its own strings, not a trace's ids, so that profiles of
// several processes or traces merge, and so that every renderer (text,
// JSON, folded, pprof, speedscope, the flame graph) draws any of them.
#ifndef ARENATRACE_ANALYZER_ANALYSES_STACK_PROFILE_H_
#define ARENATRACE_ANALYZER_ANALYSES_STACK_PROFILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/model/ids.h"
#include "analyzer/model/symbols.h"

namespace arenatrace::analyzer {

struct ProfileFrame {
  std::string function;
  std::string file;
  uint32_t line = 0;
  uint32_t first_line = 0;  // of the function (0: not known)
  bool operator==(const ProfileFrame&) const = default;
  template <class H>
  friend H AbslHashValue(H h, const ProfileFrame& f) {
    return H::combine(std::move(h), f.function, f.file, f.line, f.first_line);
  }
};

// What a node (a stack) carries. `bytes`/`count` are the analysis's own
// measure (live at the peak, leaked, temporary ...); `alloc_*` what the
// stack allocated in the selection, for context and for pprof's alloc_*
// samples. Signed: a diff subtracts.
struct ProfileValues {
  int64_t bytes = 0;
  int64_t count = 0;
  int64_t alloc_bytes = 0;
  int64_t alloc_count = 0;
  ProfileValues& operator+=(const ProfileValues& o) {
    bytes += o.bytes;
    count += o.count;
    alloc_bytes += o.alloc_bytes;
    alloc_count += o.alloc_count;
    return *this;
  }
  ProfileValues& operator-=(const ProfileValues& o) {
    bytes -= o.bytes;
    count -= o.count;
    alloc_bytes -= o.alloc_bytes;
    alloc_count -= o.alloc_count;
    return *this;
  }
  bool empty() const { return bytes == 0 && count == 0 && alloc_bytes == 0 && alloc_count == 0; }
};

class StackProfile {
 public:
  struct Node {
    uint32_t parent;  // the root (0) is its own parent
    uint32_t frame;   // index into frames(); the root's is meaningless
    ProfileValues self;
  };

  StackProfile();

  // What `bytes` and `count` measure, e.g. "live at the heap's peak".
  std::string measure;

  uint32_t InternFrame(const ProfileFrame& frame);
  // The node for `frame` called from `parent`, created if new.
  uint32_t Child(uint32_t parent, uint32_t frame);
  void AddSelf(uint32_t node, const ProfileValues& values) { nodes_[node].self += values; }

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<ProfileFrame>& frames() const { return frames_; }
  // Depth of a node (the root is 0).
  uint32_t Depth(uint32_t node) const;
  // Frames of a node, innermost first.
  std::vector<uint32_t> FramesOf(uint32_t node) const;

  // Each node's values with those of everything below it. A child is always
  // created after its parent, so one backward pass adds them up.
  std::vector<ProfileValues> Inclusive() const;
  ProfileValues Total() const;

  // Adds every stack of `other` below `under` (0: at the root).
  void Merge(const StackProfile& other, uint32_t under = 0);
  // `other`'s values subtracted, stack by stack (for diff).
  void Subtract(const StackProfile& other);

 private:
  std::vector<ProfileFrame> frames_;
  absl::flat_hash_map<ProfileFrame, uint32_t> frame_index_;
  std::vector<Node> nodes_;
  absl::flat_hash_map<uint64_t, uint32_t> children_;  // (parent << 32 | frame) -> node
};

// Builds a profile from one trace's stacks: each trace stack becomes the
// profile node with the same frames (memoised).
class ProfileBuilder {
 public:
  ProfileBuilder(const Symbols& symbols, StackProfile* profile) : s_(symbols), p_(*profile) {}
  uint32_t NodeOf(StackId stack);
  void Add(StackId stack, const ProfileValues& values) { p_.AddSelf(NodeOf(stack), values); }

 private:
  uint32_t FrameIndex(FrameId frame);
  const Symbols& s_;
  StackProfile& p_;
  std::vector<uint32_t> node_of_stack_;  // 0: not built yet (the root is never a stack's)
  std::vector<uint32_t> frame_index_;    // UINT32_MAX: not interned yet
};

// The profile's values grouped by site (a stack's innermost frame).
struct SiteValues {
  uint32_t frame;  // in the profile's frames()
  ProfileValues values;
  uint32_t top_node;  // the node with the largest |bytes| at this site
};
std::vector<SiteValues> BySite(const StackProfile& profile);

// Sorts by |bytes| (then |count|), largest first.
void SortByBytes(std::vector<SiteValues>* sites);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_STACK_PROFILE_H_
