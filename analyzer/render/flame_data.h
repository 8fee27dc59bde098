// The flame graph's data as the HTML page reads it: a stack profile pruned
// to the nodes a screen can show (a node narrower than a pixel at full width
// is merged into its parent, whose self value then holds it), with frames
// and strings shared by every tree of the page. The size is bounded by the
// width of a screen times the depth of the stacks, not by the stacks of the
// trace.
#ifndef ARENATRACE_ANALYZER_RENDER_FLAME_DATA_H_
#define ARENATRACE_ANALYZER_RENDER_FLAME_DATA_H_

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/analyses/stack_profile.h"

namespace arenatrace::analyzer {

// A pixel of a wide screen: nodes below this share of the total (in bytes
// and in blocks alike) are merged into their parent.
inline constexpr double kFlameMinShare = 1.0 / 4000;

// Every frame and string of one page, each stored once.
class FrameTable {
 public:
  uint32_t Intern(const ProfileFrame& frame);
  // {"strings": [...], "frames": [[function, file, line], ...]} (string indexes).
  nlohmann::json Json() const;

 private:
  uint32_t InternString(const std::string& s);
  std::vector<std::string> strings_;
  absl::flat_hash_map<std::string, uint32_t> string_index_;
  std::vector<std::array<uint32_t, 3>> frames_;
  absl::flat_hash_map<ProfileFrame, uint32_t> frame_index_;
};

struct FlameTree {
  // {measure, total_bytes, total_count, parent, frame, bytes, count}: parallel
  // arrays over the kept nodes, a parent before its children, node 0 the
  // root (frame -1); bytes/count include everything below the node.
  nlohmann::json json;
  // For each node of the profile, the kept node standing for it.
  std::vector<uint32_t> kept_of_node;
  uint32_t kept = 0;
};

// With `group_depth` > 0, the nodes at that depth (a split's threads, under
// their processes) are groups: each is kept whatever its width, and the nodes
// below it are measured against the group's own total, so that a thread with
// a sliver of the run's memory still shows its own stacks when chosen alone.
FlameTree PruneForFlameGraph(const StackProfile& profile, FrameTable* frames,
                             double min_share = kFlameMinShare, uint32_t group_depth = 0);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_FLAME_DATA_H_
