#include "preload/engine/stack_table.h"

#include <algorithm>

namespace arenatrace::preload {

uint32_t StackNodes::FindOrInsert(uint32_t parent, uint32_t frame, bool* inserted) {
  const size_t mask = slots_.size() - 1;
  size_t i = Home(parent, frame);
  for (;; i = (i + 1) & mask) {
    const uint32_t id = slots_[i];
    if (id == 0) break;
    const Node& node = At(id);
    if (node.parent == parent && node.frame == frame) {
      *inserted = false;
      return id;
    }
  }
  const uint32_t id = next_id_++;
  if (((id - first_id_) >> kBlockBits) >= blocks_.size()) {
    blocks_.push_back(std::make_unique<Node[]>(size_t{1} << kBlockBits));
  }
  At(id) = {parent, frame};
  slots_[i] = id;
  *inserted = true;
  if (++live_ * 4 > slots_.size() * 3) Grow();
  return id;
}

void StackNodes::Grow() {
  std::vector<uint32_t> old(slots_.size() * 2);
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (const uint32_t id : old) {
    if (id == 0) continue;
    const Node& node = At(id);
    size_t i = Home(node.parent, node.frame);
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = id;
  }
}

void StackNodes::Erase(uint32_t parent, uint32_t frame) {
  const size_t mask = slots_.size() - 1;
  size_t i = Home(parent, frame);
  for (;; i = (i + 1) & mask) {
    const uint32_t id = slots_[i];
    if (id == 0) return;
    const Node& node = At(id);
    if (node.parent == parent && node.frame == frame) break;
  }
  // Backward-shift deletion: later entries of the run move up into the hole
  // when their home does not lie between the hole and them.
  for (size_t j = (i + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
    const Node& node = At(slots_[j]);
    const size_t home = Home(node.parent, node.frame);
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (!stays) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = 0;
  --live_;
}

void StackNodes::Clear() {
  Forget();
  next_id_ = 1;
  first_id_ = 0;
}

void StackNodes::Forget() {
  blocks_.clear();
  blocks_.shrink_to_fit();
  std::vector<uint32_t>(1024).swap(slots_);  // the memory itself goes back, not only the size
  live_ = 0;
  first_id_ = next_id_;
}

void StackTable::ForgetStacks() {
  ++generation_;
  ++stack_forgets_;
  stacks_.Forget();
  child_cache_.assign(child_cache_.size(), ChildCacheEntry());
  child_cache_stale_ = false;
  for (auto& [code, entry] : codes_) {
    entry.stacks.clear();
    entry.untracked_stacks = false;
    entry.slot_count = 0;
    entry.untracked_slots = false;
  }
}

void StackTable::Reset() {
  ++generation_;
  stacks_.Clear();
  child_cache_.assign(child_cache_.size(), ChildCacheEntry());
  // Code objects keep their entries but get new ids, so that the new file
  // defines them again; their frames and trie nodes are the old file's.
  for (auto& [code, entry] : codes_) entry = CodeEntry();
  next_frame_id_ = 1;
}

StackTableCounts StackTable::Counts() const {
  StackTableCounts counts;
  counts.codes_held = codes_.size();
  counts.codes_held_peak = codes_held_peak_;
  counts.codes_seen = codes_seen_;
  counts.codes_forgotten = codes_forgotten_;
  counts.stacks_held = stacks_.size();
  counts.stack_forgets = stack_forgets_;
  return counts;
}

StackTable::CodeEntry* StackTable::InternCode(PyCodeObject* code, trace::RecordEncoder* encoder) {
  auto [it, inserted] = codes_.try_emplace(code);
  if (inserted) {
    ++codes_seen_;
    codes_held_peak_ = std::max<uint64_t>(codes_held_peak_, codes_.size());
  }
  CodeEntry& entry = it->second;
  if (entry.id != 0) return &entry;
  entry.id = next_code_id_++;
  char name[512];
  char file[1024];
  int first_line = 0;
  arenatrace_code_identity(code, name, sizeof name, file, sizeof file, &first_line);
  trace::Code record{entry.id, name, file, static_cast<uint64_t>(first_line < 0 ? 0 : first_line)};
  encoder->Put(record);
  return &entry;
}

uint32_t StackTable::InternFrame(const ArenatraceRawFrame& frame, CodeEntry* entry,
                                 trace::RecordEncoder* encoder) {
  std::vector<OffsetFrame>& frames = entry->frames;
  auto at = std::lower_bound(frames.begin(), frames.end(), frame.offset,
                             [](const OffsetFrame& f, int offset) { return f.offset < offset; });
  if (at != frames.end() && at->offset == frame.offset) return at->frame;
  const int line = arenatrace_code_line(frame.code, frame.offset);
  // Offsets on the same line share one frame, so that stacks differing only
  // by instruction share their trie nodes. A code object has few offsets in
  // stacks (the places it allocates or calls from): a scan is enough.
  uint32_t id = 0;
  for (const OffsetFrame& f : frames) {
    if (f.line == line) {
      id = f.frame;
      break;
    }
  }
  if (id == 0) {
    id = next_frame_id_++;
    trace::Frame record{id, entry->id, static_cast<uint64_t>(line < 0 ? 0 : line)};
    encoder->Put(record);
  }
  frames.insert(at, OffsetFrame{frame.offset, line, id});
  return id;
}

uint32_t StackTable::ChildMiss(uint32_t parent, const ArenatraceRawFrame& frame,
                               trace::RecordEncoder* encoder) {
  CodeEntry* entry = InternCode(frame.code, encoder);
  const uint32_t frame_id = InternFrame(frame, entry, encoder);
  bool inserted = false;
  const uint32_t stack = stacks_.FindOrInsert(parent, frame_id, &inserted);
  if (inserted) {
    trace::Stack record{stack, parent, frame_id};
    encoder->Put(record);
    if (entry->stacks.size() < kTrackedStacks) {
      entry->stacks.push_back({parent, frame_id});
    } else {
      entry->untracked_stacks = true;
    }
  }
  const size_t slot = ChildSlot(parent, frame);
  child_cache_[slot] = {frame.code, frame.offset, parent, stack};
  if (!entry->untracked_slots && std::find(entry->slots, entry->slots + entry->slot_count, slot) ==
                                     entry->slots + entry->slot_count) {
    if (entry->slot_count < kTrackedSlots) {
      entry->slots[entry->slot_count++] = static_cast<uint16_t>(slot);
    } else {
      entry->untracked_slots = true;
    }
  }
  return stack;
}

void StackTable::ForgetCode(PyCodeObject* code) {
  auto it = codes_.find(code);
  if (it == codes_.end()) return;
  CodeEntry& entry = it->second;
  // Nothing may still map this address to the dead code's ids: the child
  // cache (by the slots it was filled into, else all of it before the next
  // lookup), its trie nodes
  // (unreachable from now on: a new code object gets new frames), and the
  // stacks threads remember (by code_deaths_, checked at their next event).
  if (entry.untracked_slots) {
    child_cache_stale_ = true;
  } else {
    for (uint8_t i = 0; i < entry.slot_count; ++i) {
      ChildCacheEntry& cached = child_cache_[entry.slots[i]];
      if (cached.code == code) cached = ChildCacheEntry();
    }
  }
  for (const StackKey& key : entry.stacks) stacks_.Erase(key.parent, key.frame);
  codes_.erase(it);
  ++code_deaths_;
  ++codes_forgotten_;
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
  // Before this walk's lookups, so that none of its ids predates the forgetting.
  if (__builtin_expect(max_nodes_ != 0 && stacks_.size() >= max_nodes_, 0)) ForgetStacks();
  if (__builtin_expect(cache->table_generation != generation_, 0)) {
    cache->depth = 0;
    cache->table_generation = generation_;
  }
  // A code object died since this thread's last event: a frame it remembers
  // may name that code's address, now another code's.
  if (__builtin_expect(cache->code_deaths != code_deaths_, 0)) {
    cache->depth = 0;
    cache->code_deaths = code_deaths_;
    // Every thread's first event after a death comes here: the first clears.
    if (child_cache_stale_) {
      child_cache_.assign(child_cache_.size(), ChildCacheEntry());
      child_cache_stale_ = false;
    }
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
