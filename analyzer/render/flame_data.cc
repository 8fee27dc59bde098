#include "analyzer/render/flame_data.h"

#include <cstdlib>

namespace arenatrace::analyzer {

uint32_t FrameTable::InternString(const std::string& s) {
  auto [it, inserted] = string_index_.try_emplace(s, static_cast<uint32_t>(strings_.size()));
  if (inserted) strings_.push_back(s);
  return it->second;
}

uint32_t FrameTable::Intern(const ProfileFrame& frame) {
  auto it = frame_index_.find(frame);
  if (it != frame_index_.end()) return it->second;
  const uint32_t index = static_cast<uint32_t>(frames_.size());
  frames_.push_back({InternString(frame.function), InternString(frame.file), frame.line});
  frame_index_.emplace(frame, index);
  return index;
}

nlohmann::json FrameTable::Json() const {
  nlohmann::json frames = nlohmann::json::array();
  for (const auto& f : frames_) frames.push_back({f[0], f[1], f[2]});
  return {{"strings", strings_}, {"frames", frames}};
}

FlameTree PruneForFlameGraph(const StackProfile& profile, FrameTable* frames, double min_share,
                             uint32_t group_depth) {
  const std::vector<ProfileValues> inclusive = profile.Inclusive();
  const std::vector<StackProfile::Node>& nodes = profile.nodes();
  const ProfileValues total = inclusive.empty() ? ProfileValues{} : inclusive[0];
  // Each node's group: the root, or its ancestor at `group_depth`. A parent
  // comes before its children, so one pass finds depths and groups.
  std::vector<uint32_t> depth(nodes.size(), 0), group(nodes.size(), 0);
  for (size_t i = 1; i < nodes.size(); ++i) {
    const uint32_t p = nodes[i].parent;
    depth[i] = depth[p] + 1;
    group[i] = group_depth != 0 && depth[i] == group_depth ? static_cast<uint32_t>(i) : group[p];
  }
  FlameTree tree;
  tree.kept_of_node.assign(nodes.size(), 0);
  std::vector<int64_t> parent, frame, bytes, count;
  std::vector<uint8_t> kept(nodes.size(), 0);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const bool is_root = i == 0;
    const ProfileValues& of_group = inclusive[group[i]];
    const bool wide = std::llabs(inclusive[i].bytes) >= std::llabs(of_group.bytes) * min_share &&
                      inclusive[i].bytes != 0;
    const bool many = std::llabs(inclusive[i].count) >= std::llabs(of_group.count) * min_share &&
                      inclusive[i].count != 0;
    const bool grouping = group_depth != 0 && depth[i] <= group_depth &&
                          (inclusive[i].bytes != 0 || inclusive[i].count != 0);
    if (is_root || (kept[nodes[i].parent] && (wide || many || grouping))) {
      kept[i] = 1;
      tree.kept_of_node[i] = static_cast<uint32_t>(parent.size());
      parent.push_back(is_root ? int64_t{-1} : int64_t{tree.kept_of_node[nodes[i].parent]});
      frame.push_back(is_root ? int64_t{-1}
                              : int64_t{frames->Intern(profile.frames()[nodes[i].frame])});
      bytes.push_back(inclusive[i].bytes);
      count.push_back(inclusive[i].count);
    } else {
      tree.kept_of_node[i] = tree.kept_of_node[nodes[i].parent];
    }
  }
  tree.kept = static_cast<uint32_t>(parent.size());
  tree.json = {{"measure", profile.measure},
               {"total_bytes", total.bytes},
               {"total_count", total.count},
               {"parent", parent},
               {"frame", frame},
               {"bytes", bytes},
               {"count", count}};
  return tree;
}

}  // namespace arenatrace::analyzer
