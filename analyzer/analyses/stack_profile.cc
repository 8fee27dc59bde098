#include "analyzer/analyses/stack_profile.h"

#include <algorithm>
#include <cstdlib>

namespace arenatrace::analyzer {

StackProfile::StackProfile() { nodes_.push_back({0, 0, {}}); }

uint32_t StackProfile::InternFrame(const ProfileFrame& frame) {
  auto [it, inserted] = frame_index_.try_emplace(frame, static_cast<uint32_t>(frames_.size()));
  if (inserted) frames_.push_back(frame);
  return it->second;
}

uint32_t StackProfile::Child(uint32_t parent, uint32_t frame) {
  const uint64_t key = (static_cast<uint64_t>(parent) << 32) | frame;
  auto [it, inserted] = children_.try_emplace(key, static_cast<uint32_t>(nodes_.size()));
  if (inserted) nodes_.push_back({parent, frame, {}});
  return it->second;
}

uint32_t StackProfile::Depth(uint32_t node) const {
  uint32_t depth = 0;
  for (; node != 0; node = nodes_[node].parent) ++depth;
  return depth;
}

std::vector<uint32_t> StackProfile::FramesOf(uint32_t node) const {
  std::vector<uint32_t> frames;
  for (; node != 0; node = nodes_[node].parent) frames.push_back(nodes_[node].frame);
  return frames;
}

std::vector<ProfileValues> StackProfile::Inclusive() const {
  std::vector<ProfileValues> total(nodes_.size());
  for (size_t i = nodes_.size(); i-- > 0;) {
    total[i] += nodes_[i].self;
    if (i != 0) total[nodes_[i].parent] += total[i];
  }
  return total;
}

ProfileValues StackProfile::Total() const {
  ProfileValues total;
  for (const Node& node : nodes_) total += node.self;
  return total;
}

void StackProfile::Merge(const StackProfile& other, uint32_t under) {
  std::vector<uint32_t> mapped(other.nodes_.size());
  mapped[0] = under;
  for (size_t i = 1; i < other.nodes_.size(); ++i) {
    const Node& node = other.nodes_[i];
    mapped[i] = Child(mapped[node.parent], InternFrame(other.frames_[node.frame]));
  }
  for (size_t i = 0; i < other.nodes_.size(); ++i) AddSelf(mapped[i], other.nodes_[i].self);
}

void StackProfile::Subtract(const StackProfile& other) {
  std::vector<uint32_t> mapped(other.nodes_.size());
  for (size_t i = 1; i < other.nodes_.size(); ++i) {
    const Node& node = other.nodes_[i];
    mapped[i] = Child(mapped[node.parent], InternFrame(other.frames_[node.frame]));
  }
  for (size_t i = 0; i < other.nodes_.size(); ++i) nodes_[mapped[i]].self -= other.nodes_[i].self;
}

uint32_t ProfileBuilder::FrameIndex(FrameId frame) {
  if (frame.index() >= frame_index_.size()) {
    frame_index_.resize(s_.frame_count(), UINT32_MAX);
  }
  uint32_t& index = frame_index_[frame.index()];
  if (index == UINT32_MAX) {
    const CodeInfo& code = s_.code_of(frame);
    index = p_.InternFrame({code.function, code.file, s_.frame(frame).line, code.first_line});
  }
  return index;
}

uint32_t ProfileBuilder::NodeOf(StackId stack) {
  if (node_of_stack_.size() < s_.stack_count()) node_of_stack_.resize(s_.stack_count(), 0);
  if (node_of_stack_[stack.index()] != 0) return node_of_stack_[stack.index()];
  // The chain up to the first ancestor already built, then down again:
  // iterative, for stacks thousands of frames deep.
  std::vector<StackId> chain;
  StackId s = stack;
  while (s != kNoStack && node_of_stack_[s.index()] == 0) {
    chain.push_back(s);
    s = s_.stack(s).parent;
  }
  uint32_t node = s == kNoStack ? 0 : node_of_stack_[s.index()];
  if (stack == kNoStack) {
    // Allocations with no Python frame get a frame saying so.
    node = p_.Child(0, p_.InternFrame({"<no Python frame>", "", 0, 0}));
    node_of_stack_[0] = node;
    return node;
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    node = p_.Child(node, FrameIndex(s_.stack(*it).frame));
    node_of_stack_[it->index()] = node;
  }
  return node;
}

std::vector<SiteValues> BySite(const StackProfile& profile) {
  absl::flat_hash_map<uint32_t, SiteValues> sites;
  const auto& nodes = profile.nodes();
  for (uint32_t i = 1; i < nodes.size(); ++i) {
    const ProfileValues& self = nodes[i].self;
    if (self.empty()) continue;
    auto [it, inserted] = sites.try_emplace(nodes[i].frame, SiteValues{nodes[i].frame, {}, i});
    it->second.values += self;
    if (std::llabs(self.bytes) > std::llabs(nodes[it->second.top_node].self.bytes)) {
      it->second.top_node = i;
    }
  }
  std::vector<SiteValues> result;
  result.reserve(sites.size());
  for (auto& [frame, site] : sites) result.push_back(site);
  SortByBytes(&result);
  return result;
}

void SortByBytes(std::vector<SiteValues>* sites) {
  std::sort(sites->begin(), sites->end(), [](const SiteValues& a, const SiteValues& b) {
    const int64_t ab = std::llabs(a.values.bytes), bb = std::llabs(b.values.bytes);
    if (ab != bb) return ab > bb;
    const int64_t ac = std::llabs(a.values.count), bc = std::llabs(b.values.count);
    if (ac != bc) return ac > bc;
    return a.frame < b.frame;
  });
}

}  // namespace arenatrace::analyzer
