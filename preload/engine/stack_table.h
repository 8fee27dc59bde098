// Python stacks as ids: code objects, frames (code + line) and stacks (a trie
// of frames) are interned, and each new one is written to the trace once. A
// thread's previous stack is kept so that only the frames that changed since
// its last event are looked up, and those mostly in one direct-mapped cache
// from (parent node, code, instruction offset) to the child node.
//
// Code objects are kept alive (one reference each) once seen, so that an
// address can never come back as a different code object with a stale id.
//
// Not thread-safe: the recorder calls it under its lock.
#ifndef ARENATRACE_PRELOAD_ENGINE_STACK_TABLE_H_
#define ARENATRACE_PRELOAD_ENGINE_STACK_TABLE_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/trace/record_codec.h"
#include "preload/cpython/python_frames.h"

namespace arenatrace::preload {

// What one thread remembers of its previous stack.
struct ThreadStackCache {
  std::vector<ArenatraceRawFrame> walk;    // the current walk, innermost first
  size_t walked = 0;                       // frames of `walk` in use
  std::vector<ArenatraceRawFrame> frames;  // previous stack, outermost first
  std::vector<uint32_t> stack_ids;         // stack id of each prefix of `frames`
  size_t depth = 0;                        // entries of `frames` and `stack_ids` in use
  uint64_t table_generation = 0;
};

class StackTable {
 public:
  // `max_depth` 0: unlimited; otherwise the innermost frames are kept.
  explicit StackTable(unsigned max_depth) : max_depth_(max_depth) {}

  // Reads `tstate`'s current Python stack into `cache` (the calling thread's
  // own). Needs no lock: the GIL keeps the frames still, and the cost of a
  // deep walk does not hold up other threads.
  void Walk(PyThreadState* tstate, ThreadStackCache* cache) const {
    const int capacity = static_cast<int>(cache->walk.size());
    const int depth = arenatrace_walk_frames(tstate, cache->walk.data(), capacity);
    if (__builtin_expect(depth <= capacity && capacity != 0, 1)) {
      cache->walked = static_cast<size_t>(depth);
    } else {
      WalkDeeper(tstate, cache);
    }
  }

  // The stack id of the stack last walked into `cache`; definitions of
  // anything new are appended to `encoder` first. Only the frames that
  // differ from the thread's previous stack are looked up.
  uint32_t Intern(ThreadStackCache* cache, trace::RecordEncoder* encoder);

  // Forgets every id (after fork, the child writes a new file that must
  // define everything again). Code objects stay referenced.
  void Reset();

 private:
  // The trie node under `parent` for `frame`: a direct-mapped cache hit
  // costs a few loads; misses go to the hash maps.
  uint32_t Child(uint32_t parent, const ArenatraceRawFrame& frame, trace::RecordEncoder* encoder) {
    ChildCacheEntry& cached = child_cache_[ChildSlot(parent, frame)];
    if (__builtin_expect(
            cached.code == frame.code && cached.offset == frame.offset && cached.parent == parent,
            1)) {
      return cached.stack;
    }
    return ChildMiss(parent, frame, encoder);
  }
  // Walk, when `cache->walk` is too small for the stack.
  void WalkDeeper(PyThreadState* tstate, ThreadStackCache* cache) const;
  uint32_t ChildMiss(uint32_t parent, const ArenatraceRawFrame& frame,
                     trace::RecordEncoder* encoder);
  uint64_t InternFrame(const ArenatraceRawFrame& frame, trace::RecordEncoder* encoder);
  uint64_t InternCode(PyCodeObject* code, trace::RecordEncoder* encoder);

  static constexpr unsigned kChildCacheBits = 13;
  struct ChildCacheEntry {
    PyCodeObject* code = nullptr;
    int offset = -1;
    uint32_t parent = 0;
    uint32_t stack = 0;
  };
  static size_t ChildSlot(uint32_t parent, const ArenatraceRawFrame& frame) {
    const uint64_t key = reinterpret_cast<uintptr_t>(frame.code) ^
                         (static_cast<uint64_t>(parent) << 32) ^
                         static_cast<uint32_t>(frame.offset) * 0x9E3779B1u;
    return (key * 0x9E3779B97F4A7C15ull) >> (64 - kChildCacheBits);
  }

  unsigned max_depth_;
  uint64_t generation_ = 1;
  std::vector<ChildCacheEntry> child_cache_ =
      std::vector<ChildCacheEntry>(size_t{1} << kChildCacheBits);
  absl::flat_hash_map<PyCodeObject*, uint64_t> code_ids_;
  absl::flat_hash_map<std::pair<PyCodeObject*, int>, uint64_t> frame_by_offset_;
  absl::flat_hash_map<std::pair<uint64_t, int>, uint64_t> frame_by_line_;
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint32_t> stacks_;
  uint64_t next_code_id_ = 1;
  uint64_t next_frame_id_ = 1;
  uint32_t next_stack_id_ = 1;
};

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_STACK_TABLE_H_
