// Typed ids for the symbols of a trace, one type per kind (as heaptrack's
// Index<T>): a stack id cannot be passed where a frame id is expected, and
// every table uses the same 32-bit width. Ids are dense indexes into their
// table; 0 is a real entry of every table (the empty stack, the unknown
// frame, the unknown code, the first thread).
#ifndef ARENATRACE_ANALYZER_MODEL_IDS_H_
#define ARENATRACE_ANALYZER_MODEL_IDS_H_

#include <compare>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace arenatrace::analyzer {

template <class Tag>
class Id {
 public:
  constexpr Id() = default;
  constexpr explicit Id(uint32_t value) : value_(value) {}
  constexpr uint32_t value() const { return value_; }
  constexpr size_t index() const { return value_; }
  friend constexpr bool operator==(Id a, Id b) = default;
  friend constexpr auto operator<=>(Id a, Id b) = default;
  template <class H>
  friend H AbslHashValue(H h, Id id) {
    return H::combine(std::move(h), id.value_);
  }

 private:
  uint32_t value_ = 0;
};

using StackId = Id<struct StackTag>;    // a node of a trace's stack trie; 0: no Python frame
using FrameId = Id<struct FrameTag>;    // a (code, line) position: an allocation site
using CodeId = Id<struct CodeTag>;      // a code object (function, file, first line)
using ThreadId = Id<struct ThreadTag>;  // a thread of one process, in order of appearance

inline constexpr StackId kNoStack{0};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_MODEL_IDS_H_
