// Python stacks as ids: code objects, frames (code + line) and stacks (a trie
// of frames) are interned, and each new one is written to the trace once. A
// thread's previous stack is kept so that only the frames that changed since
// its last event are looked up, and those mostly in one direct-mapped cache
// from (parent node, code, instruction offset) to the child node.
//
// Code objects are not kept alive: what the trace needs of one (its Code
// record, and a Frame per line) is written when it is first seen, and its
// free (the recorder sees every free of the OBJ domain) makes the table
// forget it: its entry, its offsets, the trie nodes made with its frames and
// its entries in the child cache, and every thread's remembered stack is
// walked afresh. A later code object at the same address is then a new code
// with new ids. Holding a reference instead kept every code object ever seen
// alive: a program that compiles and drops 100 k functions went from 9 MB to
// 170 MB (issue 10).
//
// Not thread-safe: the recorder calls it under its lock.
#ifndef ARENATRACE_PRELOAD_ENGINE_STACK_TABLE_H_
#define ARENATRACE_PRELOAD_ENGINE_STACK_TABLE_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/trace/record_codec.h"
#include "preload/cpython/python_frames.h"

namespace arenatrace::preload {

// The trie's nodes, (parent stack, frame) -> stack id, ids given in order from
// 1. Compact because it is the table that grows with a program's distinct
// stacks: each node is 8 bytes in fixed blocks (never moved), and the index is
// an open-addressed array of 4-byte ids, linear probing, at most 3/4 full — a
// hash map of (key, id) pairs took 17 bytes a slot, and twice that while it
// grew (sympy's 485 k stacks: 27 MB at the last growth, now 10 MB).
class StackNodes {
 public:
  // The id of (parent, frame); a new id when it is new (`*inserted`).
  uint32_t FindOrInsert(uint32_t parent, uint32_t frame, bool* inserted);
  // Removes (parent, frame) from the index (its id is never given again).
  void Erase(uint32_t parent, uint32_t frame);
  // Every id forgotten and the next one 1 (a new file).
  void Clear();
  // Every node forgotten, the ids given so far never given again (the same
  // file, which defines the stacks in use again).
  void Forget();
  size_t size() const { return live_; }

 private:
  struct Node {
    uint32_t parent;
    uint32_t frame;
  };
  static constexpr unsigned kBlockBits = 16;
  Node& At(uint32_t id) {
    const uint32_t index = id - first_id_;
    return blocks_[index >> kBlockBits][index & ((1u << kBlockBits) - 1)];
  }
  size_t Home(uint32_t parent, uint32_t frame) const {
    const uint64_t key = (static_cast<uint64_t>(parent) << 32) | frame;
    return ((key * 0x9E3779B97F4A7C15ull) >> 32) & (slots_.size() - 1);
  }
  void Grow();

  std::vector<std::unique_ptr<Node[]>> blocks_;
  std::vector<uint32_t> slots_ = std::vector<uint32_t>(1024);  // 0: empty, else an id
  size_t live_ = 0;
  uint32_t next_id_ = 1;
  uint32_t first_id_ = 0;  // the id of blocks_[0][0]: ids before it are forgotten
};

// What one thread remembers of its previous stack.
struct ThreadStackCache {
  std::vector<ArenatraceRawFrame> walk;    // the current walk, innermost first
  size_t walked = 0;                       // frames of `walk` in use
  std::vector<ArenatraceRawFrame> frames;  // previous stack, outermost first
  std::vector<uint32_t> stack_ids;         // stack id of each prefix of `frames`
  size_t depth = 0;                        // entries of `frames` and `stack_ids` in use
  uint64_t table_generation = 0;
  uint64_t code_deaths = 0;  // of the table, when `frames` was last trusted
};

// What the table holds, for the statistics (`arenatrace run --stats`).
struct StackTableCounts {
  uint64_t codes_held = 0;       // code objects the table knows now
  uint64_t codes_held_peak = 0;  // the most it knew at once
  uint64_t codes_seen = 0;       // code objects registered in all
  uint64_t codes_forgotten = 0;  // of those, forgotten at their free
  uint64_t stacks_held = 0;      // trie nodes the table can look up now
  uint64_t stack_forgets = 0;    // times the table was full and forgot every stack
};

class StackTable {
 public:
  // `max_depth` 0: unlimited; otherwise the innermost frames are kept.
  // `max_nodes`: the trie's size at which it forgets every stack (0: never).
  StackTable(unsigned max_depth, unsigned max_nodes)
      : max_depth_(max_depth), max_nodes_(max_nodes) {}

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
  // define everything again). Code objects stay known, with no ids.
  void Reset();

  // `block`, freed from the OBJ domain (`size_class`: see trace::Free), if it
  // is a code object the table knows: forgets it. A type check of the block,
  // then a lookup only for code objects.
  void NoticeObjectFree(void* block, uint64_t size_class) {
    if (__builtin_expect(codes_.empty(), 0)) return;
    PyCodeObject* code = arenatrace_freed_code_object(block, size_class);
    if (__builtin_expect(code != nullptr, 0)) ForgetCode(code);
  }

  StackTableCounts Counts() const;

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
  struct CodeEntry;
  uint32_t InternFrame(const ArenatraceRawFrame& frame, CodeEntry* entry,
                       trace::RecordEncoder* encoder);
  CodeEntry* InternCode(PyCodeObject* code, trace::RecordEncoder* encoder);
  void ForgetCode(PyCodeObject* code);
  // The trie is full: every node and cached child is forgotten, and every
  // thread walks its stack afresh, so that the stacks still in use get new
  // ids (their code objects and frames keep theirs).
  void ForgetStacks();

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

  // One offset of a code object seen in a stack, and its frame (offsets on
  // one line share it).
  struct OffsetFrame {
    int offset;
    int line;
    uint32_t frame;
  };
  struct StackKey {
    uint32_t parent;
    uint32_t frame;
  };
  // What the table keeps of one live code object. The lists that serve its
  // forgetting are capped: a code object used in more stacks than that
  // leaves its other trie nodes behind when it dies (they can never be
  // reached again), and one filled into more child-cache slots makes its
  // death scan the whole cache. Code objects that die young (generated
  // functions, `exec`) stay well within both.
  static constexpr size_t kTrackedStacks = 32;
  static constexpr size_t kTrackedSlots = 6;
  struct CodeEntry {
    uint64_t id = 0;                     // 0: not defined in the current file
    std::vector<OffsetFrame> frames;     // sorted by offset
    std::vector<StackKey> stacks;        // trie nodes made with its frames, up to kTrackedStacks
    uint16_t slots[kTrackedSlots] = {};  // child-cache slots it was filled into
    uint8_t slot_count = 0;
    bool untracked_stacks = false;  // `stacks` overflowed
    bool untracked_slots = false;   // `slots` overflowed
  };

  unsigned max_depth_;
  unsigned max_nodes_;
  uint64_t stack_forgets_ = 0;
  uint64_t generation_ = 1;
  uint64_t code_deaths_ = 0;
  // A code object that overflowed its slots died: the whole child cache is
  // cleared at the next Intern, once for every such death since (at
  // finalisation hundreds die between two events).
  bool child_cache_stale_ = false;
  std::vector<ChildCacheEntry> child_cache_ =
      std::vector<ChildCacheEntry>(size_t{1} << kChildCacheBits);
  absl::flat_hash_map<PyCodeObject*, CodeEntry> codes_;
  StackNodes stacks_;
  uint64_t next_code_id_ = 1;
  uint32_t next_frame_id_ = 1;
  uint64_t codes_seen_ = 0;
  uint64_t codes_forgotten_ = 0;
  uint64_t codes_held_peak_ = 0;
};

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_STACK_TABLE_H_
