#include "analyzer/model/symbols.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace arenatrace::analyzer {

Symbols::Symbols() {
  codes_.push_back({"<no Python frame>", "", 0});
  frames_.push_back({CodeId(0), 0});
  stacks_.push_back({kNoStack, FrameId(0), 0});
}

// Code ids need not be dense: a fork child's trace numbers its code objects
// after its parent's. They are rare (one per code object), so a map is fine.
std::string Symbols::Define(const trace::Code& record) {
  CodeInfo info{record.qualified_name, record.file,
                static_cast<uint32_t>(std::min<uint64_t>(record.first_line, UINT32_MAX))};
  auto [it, inserted] = code_by_trace_id_.try_emplace(record.id, CodeId(0));
  if (inserted) {
    if (codes_.size() >= UINT32_MAX) return "more code objects than a trace can hold";
    it->second = CodeId(static_cast<uint32_t>(codes_.size()));
    codes_.push_back(std::move(info));
  } else {
    codes_[it->second.index()] = std::move(info);
  }
  return "";
}

std::string Symbols::Define(const trace::Frame& record) {
  if (record.id == 0 || record.id > frames_.size()) {
    return absl::StrCat("frame id ", record.id, " where the next one is ", frames_.size());
  }
  auto code = code_by_trace_id_.find(record.code);
  if (code == code_by_trace_id_.end()) {
    return absl::StrCat("frame ", record.id, " refers to code ", record.code,
                        ", which was never defined");
  }
  const FrameInfo info{code->second,
                       static_cast<uint32_t>(std::min<uint64_t>(record.line, UINT32_MAX))};
  if (record.id == frames_.size()) {
    frames_.push_back(info);
  } else {
    frames_[record.id] = info;
  }
  return "";
}

std::string Symbols::Define(const trace::Stack& record) {
  if (record.id == 0 || record.id != stacks_.size()) {
    return absl::StrCat("stack id ", record.id, " where the next one is ", stacks_.size());
  }
  if (record.id >= UINT32_MAX) return "more stacks than a trace can hold";
  if (record.parent >= stacks_.size()) {
    return absl::StrCat("stack ", record.id, " has parent ", record.parent,
                        ", which was never defined");
  }
  if (record.frame == 0 || record.frame >= frames_.size()) {
    return absl::StrCat("stack ", record.id, " refers to frame ", record.frame,
                        ", which was never defined");
  }
  const StackNode& parent = stacks_[record.parent];
  stacks_.push_back({StackId(static_cast<uint32_t>(record.parent)),
                     FrameId(static_cast<uint32_t>(record.frame)), parent.depth + 1});
  return "";
}

std::string Symbols::SiteName(FrameId id) const {
  if (id.value() == 0) return "<no Python frame>";
  const FrameInfo& frame = frames_[id.index()];
  const CodeInfo& code = codes_[frame.code.index()];
  return absl::StrCat(code.function, " (", code.file, ":", frame.line, ")");
}

std::vector<FrameId> Symbols::Frames(StackId id) const {
  std::vector<FrameId> frames;
  frames.reserve(stacks_[id.index()].depth);
  // Parents are always defined before their children: this ends.
  for (StackId s = id; s != kNoStack; s = stacks_[s.index()].parent) {
    frames.push_back(stacks_[s.index()].frame);
  }
  return frames;
}

}  // namespace arenatrace::analyzer
