#include "preload/engine/stack_table.h"

#include <algorithm>

namespace arenatrace::preload {

void StackTable::Reset() {
  ++generation_;
  frame_by_offset_.clear();
  frame_by_line_.clear();
  stacks_.clear();
  child_cache_.assign(child_cache_.size(), ChildCacheEntry());
  // Code objects keep their references (and their place in code_ids_) but get
  // new ids, so that the new file defines them again.
  for (auto& [code, id] : code_ids_) id = 0;
  next_frame_id_ = 1;
  next_stack_id_ = 1;
}

uint64_t StackTable::InternCode(PyCodeObject* code, trace::RecordEncoder* encoder) {
  auto [it, inserted] = code_ids_.try_emplace(code, 0);
  if (inserted) Py_INCREF(code);  // see the header: ids must not outlive their object
  if (it->second != 0) return it->second;
  it->second = next_code_id_++;
  char name[512];
  char file[1024];
  int first_line = 0;
  arenatrace_code_identity(code, name, sizeof name, file, sizeof file, &first_line);
  trace::Code record{it->second, name, file,
                     static_cast<uint64_t>(first_line < 0 ? 0 : first_line)};
  encoder->Put(record);
  return it->second;
}

uint64_t StackTable::InternFrame(const ArenatraceRawFrame& frame, trace::RecordEncoder* encoder) {
  auto [by_offset, new_offset] =
      frame_by_offset_.try_emplace(std::make_pair(frame.code, frame.offset), 0);
  if (!new_offset) return by_offset->second;
  const uint64_t code_id = InternCode(frame.code, encoder);
  const int line = arenatrace_code_line(frame.code, frame.offset);
  // Offsets on the same line share one frame, so that stacks differing only
  // by instruction share their trie nodes.
  auto [by_line, inserted] = frame_by_line_.try_emplace(std::make_pair(code_id, line), 0);
  if (inserted) {
    by_line->second = next_frame_id_++;
    trace::Frame record{by_line->second, code_id, static_cast<uint64_t>(line < 0 ? 0 : line)};
    encoder->Put(record);
  }
  by_offset->second = by_line->second;
  return by_line->second;
}

uint32_t StackTable::ChildMiss(uint32_t parent, const ArenatraceRawFrame& frame,
                               trace::RecordEncoder* encoder) {
  const uint64_t frame_id = InternFrame(frame, encoder);
  auto [it, inserted] = stacks_.try_emplace(std::make_pair(uint64_t{parent}, frame_id), 0);
  if (inserted) {
    it->second = next_stack_id_++;
    trace::Stack record{it->second, parent, frame_id};
    encoder->Put(record);
  }
  child_cache_[ChildSlot(parent, frame)] = {frame.code, frame.offset, parent, it->second};
  return it->second;
}

void StackTable::WalkDeeper(PyThreadState* tstate, ThreadStackCache* cache) const {
  const size_t limit = max_depth_ == 0 ? SIZE_MAX : max_depth_;
  if (cache->walk.empty()) cache->walk.resize(std::min<size_t>(64, limit));
  int depth;
  while ((depth = arenatrace_walk_frames(tstate, cache->walk.data(),
                                         static_cast<int>(cache->walk.size()))) >
         static_cast<int>(cache->walk.size())) {
    if (cache->walk.size() >= limit) {
      depth = static_cast<int>(cache->walk.size());  // keep the innermost `limit` frames
      break;
    }
    cache->walk.resize(std::min(limit, cache->walk.size() * 2));
  }
  cache->walked = static_cast<size_t>(depth);
}

uint32_t StackTable::Intern(ThreadStackCache* cache, trace::RecordEncoder* encoder) {
  if (__builtin_expect(cache->table_generation != generation_, 0)) {
    cache->depth = 0;
    cache->table_generation = generation_;
  }
  const size_t count = cache->walked;
  const ArenatraceRawFrame* walk = cache->walk.data();

  // The walk is innermost first; the trie and the cache are outermost first.
  // Frames below the innermost changed one are usually the same as last time.
  const size_t common = std::min(count, cache->depth);
  ArenatraceRawFrame* frames = cache->frames.data();
  size_t same = 0;
  while (same < common && walk[count - 1 - same].code == frames[same].code &&
         walk[count - 1 - same].offset == frames[same].offset) {
    ++same;
  }
  uint32_t* stack_ids = cache->stack_ids.data();
  uint32_t stack = same == 0 ? trace::kEmptyStack : stack_ids[same - 1];
  if (count > cache->frames.size()) {
    cache->frames.resize(count);
    cache->stack_ids.resize(count);
    frames = cache->frames.data();
    stack_ids = cache->stack_ids.data();
  }
  for (size_t i = same; i < count; ++i) {
    const ArenatraceRawFrame& frame = walk[count - 1 - i];
    stack = Child(stack, frame, encoder);
    frames[i] = frame;
    stack_ids[i] = stack;
  }
  cache->depth = count;
  return stack;
}

}  // namespace arenatrace::preload
