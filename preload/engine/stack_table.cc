#include "preload/engine/stack_table.h"

namespace arenatrace::preload {

void StackTable::Reset() {
  ++generation_;
  frame_by_offset_.clear();
  frame_by_line_.clear();
  stacks_.clear();
  frame_cache_.assign(kCacheSlots, FrameCacheEntry());
  stack_cache_.assign(kCacheSlots, StackCacheEntry());
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
  FrameCacheEntry& cached = frame_cache_[Slot(reinterpret_cast<uintptr_t>(frame.code),
                                              static_cast<uint64_t>(frame.offset))];
  if (cached.code == frame.code && cached.offset == frame.offset) return cached.frame;
  auto it = frame_by_offset_.find(std::make_pair(frame.code, frame.offset));
  if (it != frame_by_offset_.end()) {
    cached = {frame.code, frame.offset, it->second};
    return it->second;
  }
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
  frame_by_offset_.emplace(std::make_pair(frame.code, frame.offset), by_line->second);
  cached = {frame.code, frame.offset, by_line->second};
  return by_line->second;
}

void StackTable::Walk(PyThreadState* tstate, ThreadStackCache* cache) const {
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
  if (cache->table_generation != generation_) {
    cache->frames.clear();
    cache->stack_ids.clear();
    cache->table_generation = generation_;
  }
  const size_t count = cache->walked;

  // The walk is innermost first; the trie and the cache are outermost first.
  // Frames below the innermost changed one are usually the same as last time.
  size_t same = 0;
  const size_t previous = cache->frames.size();
  while (same < count && same < previous) {
    const ArenatraceRawFrame& now = cache->walk[count - 1 - same];
    const ArenatraceRawFrame& before = cache->frames[same];
    if (now.code != before.code || now.offset != before.offset) break;
    ++same;
  }
  uint32_t stack = same == 0 ? trace::kEmptyStack : cache->stack_ids[same - 1];
  cache->frames.resize(count);
  cache->stack_ids.resize(count);
  for (size_t i = same; i < count; ++i) {
    const ArenatraceRawFrame& frame = cache->walk[count - 1 - i];
    const uint64_t frame_id = InternFrame(frame, encoder);
    StackCacheEntry& cached = stack_cache_[Slot(stack, frame_id)];
    if (cached.parent == stack && cached.frame == frame_id) {
      stack = cached.stack;
    } else {
      auto [it, inserted] = stacks_.try_emplace(std::make_pair(uint64_t{stack}, frame_id), 0);
      if (inserted) {
        it->second = next_stack_id_++;
        trace::Stack record{it->second, stack, frame_id};
        encoder->Put(record);
      }
      cached = {stack, frame_id, it->second};
      stack = it->second;
    }
    cache->frames[i] = frame;
    cache->stack_ids[i] = stack;
  }
  return stack;
}

}  // namespace arenatrace::preload
