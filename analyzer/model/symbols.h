// The symbols of one trace: code objects, frames (a line in a code object:
// an allocation site) and the stack trie, defined by the trace's Code, Frame
// and Stack records. Definitions are checked as they arrive: an id that is
// not the next one, or a reference to something never defined, is
// impossible in a trace arenatrace wrote, and is refused with the reason (a
// damaged or crafted file must not make the reader allocate by the id).
#ifndef ARENATRACE_ANALYZER_MODEL_SYMBOLS_H_
#define ARENATRACE_ANALYZER_MODEL_SYMBOLS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/model/ids.h"
#include "core/trace/records.h"

namespace arenatrace::analyzer {

struct CodeInfo {
  std::string function;  // qualified name (3.11+), name before
  std::string file;
  uint32_t first_line = 0;
};

struct FrameInfo {
  CodeId code;
  uint32_t line = 0;
};

struct StackNode {
  StackId parent;
  FrameId frame;   // the innermost frame of this stack
  uint32_t depth;  // frames in the stack; 0 for the empty stack
};

class Symbols {
 public:
  Symbols();

  // Each returns an empty string when the definition is accepted, else one
  // line saying why it is impossible.
  std::string Define(const trace::Code& code);
  std::string Define(const trace::Frame& frame);
  std::string Define(const trace::Stack& stack);

  // Whether a record may refer to this stack (it was defined before).
  bool HasStack(uint64_t raw_id) const { return raw_id < stacks_.size(); }

  size_t stack_count() const { return stacks_.size(); }
  size_t frame_count() const { return frames_.size(); }
  size_t code_count() const { return codes_.size(); }

  const StackNode& stack(StackId id) const { return stacks_[id.index()]; }
  const FrameInfo& frame(FrameId id) const { return frames_[id.index()]; }
  const CodeInfo& code(CodeId id) const { return codes_[id.index()]; }
  const CodeInfo& code_of(FrameId id) const { return codes_[frames_[id.index()].code.index()]; }

  // The allocation site of a stack: its innermost frame (FrameId 0 for the
  // empty stack, "<no Python frame>").
  FrameId Site(StackId id) const { return stacks_[id.index()].frame; }
  // "function (file:line)", as stored (see model/text.h before printing).
  std::string SiteName(FrameId id) const;

  // The frames of a stack, innermost first.
  std::vector<FrameId> Frames(StackId id) const;

 private:
  std::vector<CodeInfo> codes_;
  absl::flat_hash_map<uint64_t, CodeId> code_by_trace_id_;
  std::vector<FrameInfo> frames_;
  std::vector<StackNode> stacks_;
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_MODEL_SYMBOLS_H_
