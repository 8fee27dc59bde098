#include "analyzer/replay/replay.h"

#include <algorithm>
#include <memory>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/trace/trace_reader.h"

namespace arenatrace::analyzer {
namespace {

// Before these records nothing else changes: an Exec followed only by them
// was the process's last act.
template <class R>
constexpr bool kKeepsExecLast = std::is_same_v<R, trace::Exec> || std::is_same_v<R, trace::Time> ||
                                std::is_same_v<R, trace::Rss>;

// Start-up ends at the first allocation made under the program's main
// code: a module's top level (a script, -c, stdin) that the import system or
// site did not run, or runpy's module runner (-m). Before it, Python code
// runs only as CPython's initialisation calls it: the import system, site
// (a file before 3.11, frozen since), getpath (3.11+), the encodings search
// function.
bool IsBootstrapFile(const std::string& file) {
  return absl::StartsWith(file, "<frozen importlib.") || file == "<frozen zipimport>" ||
         file == "<frozen site>" || file == "<frozen getpath>" || absl::EndsWith(file, "/site.py");
}
bool IsMainCode(const CodeInfo& code) {
  if (IsBootstrapFile(code.file)) return false;
  return code.function == "<module>" || code.function == "_run_module_as_main";
}

}  // namespace

Replay::Replay(Selection selection) : selection_(std::move(selection)) {
  NoteStackDefined(kNoStack);
  in_window_ = selection_.from_micros == 0 && selection_.to_micros > 0;
}

uint64_t ReplayState::MicrosOfSeq(uint64_t at) const {
  // The last clock entry at or before `at`.
  auto it = std::upper_bound(
      clock.begin(), clock.end(), at,
      [](uint64_t s, const std::pair<uint64_t, uint64_t>& entry) { return s < entry.first; });
  return it == clock.begin() ? 0 : std::prev(it)->second;
}

const char* ReplayState::StatusName() const {
  switch (stop) {
    case trace::ChunkStatus::kEnd:
      return ended ? "complete" : "cut_short";
    case trace::ChunkStatus::kCutShort:
      return "cut_short";
    default:
      return "damaged";
  }
}

std::string ReplayState::StatusLine() const {
  switch (stop) {
    case trace::ChunkStatus::kEnd:
      return ended ? "complete"
                   : "cut short: the process ended without closing the trace (killed?)";
    case trace::ChunkStatus::kCutShort:
      return absl::StrCat("cut short: ", problem);
    default:
      return absl::StrCat("damaged: ", problem, "; read up to there");
  }
}

bool Replay::Refuse(std::string why) {
  why_ = std::move(why);
  return false;
}

// The records' visitor: hands each record to the replay, and keeps track of
// whether an Exec was the last thing the process did.
struct ReplayHandler {
  Replay& replay;
  bool& exec_last;
  template <class R>
  bool operator()(const R& record) {
    if constexpr (!kKeepsExecLast<R>) exec_last = false;
    return replay(record);
  }
};

bool Replay::Run(const std::string& path, std::string* error) {
  std::unique_ptr<trace::TraceReader> reader = trace::TraceReader::Open(path, error);
  if (!reader) return false;
  state_.path = path;
  state_.header = reader->header();
  state_.file_size = reader->file_size();
  state_.live = &live_;
  for (ReplayObserver* observer : observers_) observer->Begin(state_);
  ReplayHandler handler{*this, exec_last_};
  std::vector<uint8_t> content;
  trace::ChunkStatus status;
  while ((status = reader->NextChunk(&content)) == trace::ChunkStatus::kChunk) {
    trace::RecordDecoder decoder(content.data(), content.size());
    if (!decoder.Decode(handler)) {
      reader->StopAtDamage(absl::StrCat("a damaged record in the chunk at offset ",
                                        reader->chunk_offset(), ": ",
                                        why_.empty() ? decoder.error() : why_));
      status = trace::ChunkStatus::kDamaged;
      break;
    }
  }
  state_.stop = status;
  state_.problem = reader->problem();
  state_.chunks = reader->chunks_read();
  Finish();
  return true;
}

void Replay::Finish() {
  if (exec_last_) state_.ended = state_.replaced_by_exec = true;
  if (paused_) state_.paused_micros += state_.now - paused_since_;
  for (ReplayObserver* observer : observers_) observer->OnEnd();
}

// --- Memory events ----------------------------------------------------------

// Inlined into Allocate: most blocks take the first branch.
__attribute__((always_inline)) inline uint8_t Replay::FlagsForNewBlock(StackId stack,
                                                                       trace::Domain domain) {
  // Most blocks: no filter, start-up over. One test, the flags precomputed.
  if (__builtin_expect(common_case_, 1)) {
    return selection_.SeqInWindow(state_.seq) ? common_flags_ : common_flags_ & ~kInWindow;
  }
  return FlagsForUncommonBlock(stack, domain);
}

uint8_t Replay::FlagsForUncommonBlock(StackId stack, trace::Domain domain) {
  uint8_t flags = 0;
  bool selected = true;
  if (selection_.filters_files()) {
    const uint8_t matches = stack_selected_[stack.index()];
    selected = (selection_.include_files.empty() || (matches & 1)) && !(matches & 2);
  }
  if (selection_.threads) {
    selected &=
        state_.thread.index() < thread_selected_.size() && thread_selected_[state_.thread.index()];
  }
  if (selection_.domain) selected &= *selection_.domain == domain;
  if (selected) flags |= kSelected;
  if (in_window_ && selection_.SeqInWindow(state_.seq)) flags |= kInWindow;
  if (state_.startup_end_seq == 0) {
    const FrameId outermost = stack_outermost_[stack.index()];
    if (stack == kNoStack || !IsMain(outermost)) {
      flags |= kStartup;
    } else {
      state_.startup_end_seq = state_.seq;
      state_.startup_end_micros = state_.now;
      UpdateCommonFlags();
    }
  }
  if (state_.finalizing) flags |= kTeardown;
  return flags;
}

// The flags every block gets when nothing filters by stack, thread or
// domain, once start-up is over.
void Replay::UpdateCommonFlags() {
  common_case_ = !selection_.filters_files() && !selection_.threads && !selection_.domain &&
                 state_.startup_end_seq != 0;
  common_flags_ = kSelected | (in_window_ ? kInWindow : 0) | (state_.finalizing ? kTeardown : 0);
}

bool Replay::IsMain(FrameId frame) {
  const CodeId code = state_.symbols.frame(frame).code;
  if (code.index() >= code_is_main_.size()) code_is_main_.resize(code.index() + 1, -1);
  int8_t& known = code_is_main_[code.index()];
  if (known < 0) known = IsMainCode(state_.symbols.code(code)) ? 1 : 0;
  return known == 1;
}

void Replay::Add(DomainTotals& totals, uint64_t size) {
  totals.heap += size;
  if (totals.heap > totals.peak_heap) {
    totals.peak_heap = totals.heap;
    totals.peak_micros = state_.now;
  }
}

void Replay::Subtract(const Block& block) {
  state_.domains[static_cast<int>(block.domain)].heap -= block.size;
  state_.all.heap -= block.size;
}

// The bounds are copied to locals: a member would be reloaded after every
// virtual call, which might have changed it.
void Replay::NotifyAlloc(uint64_t address, const Block& block) {
  ReplayObserver* const* observer = alloc_observers_.data();
  ReplayObserver* const* const end = observer + alloc_observers_.size();
  for (; observer != end; ++observer) (*observer)->OnAlloc(address, block);
}

void Replay::NotifyRelease(uint64_t address, const Block& block, Release why) {
  ReplayObserver* const* observer = release_observers_.data();
  ReplayObserver* const* const end = observer + release_observers_.size();
  for (; observer != end; ++observer) (*observer)->OnRelease(address, block, why);
}

// Allocate and ReleaseAt run for every event, from a few handlers each:
// inlined there, they spare a call and its register saves per event.
__attribute__((always_inline)) inline void Replay::Allocate(trace::Domain domain, uint64_t address,
                                                            uint64_t size, uint32_t stack,
                                                            uint32_t count, bool is_realloc) {
  const ThreadId thread = state_.thread;
  uint32_t& thread_allocs = state_.thread_allocs[thread.index()];
  ++thread_allocs;
  ++state_.seq;
  const StackId stack_id(stack);
  const Block block{size,          state_.seq, stack_id, thread,
                    thread_allocs, count,      domain,   FlagsForNewBlock(stack_id, domain)};
  DomainTotals& totals = state_.domains[static_cast<int>(domain)];
  if (!is_realloc) {
    totals.allocs += count;
    state_.all.allocs += count;
  }
  totals.bytes_allocated += size;
  state_.all.bytes_allocated += size;
  auto [it, inserted] = live_.try_emplace(address, block);
  if (!inserted) {
    // The free of the block that was here was never recorded.
    ++state_.replaced_blocks;
    if (it->second.selected()) NotifyRelease(address, it->second, Release::kReplaced);
    Subtract(it->second);
    it->second = block;
  }
  Add(totals, size);
  Add(state_.all, size);
  if (block.selected()) NotifyAlloc(address, block);
}

__attribute__((always_inline)) inline bool Replay::ReleaseAt(uint64_t address, Release why) {
  auto it = live_.find(address);
  if (it == live_.end()) return false;
  const Block& block = it->second;
  if (block.selected()) NotifyRelease(address, block, why);
  if (why == Release::kFree) {
    state_.domains[static_cast<int>(block.domain)].frees += block.count;
    state_.all.frees += block.count;
  }
  Subtract(block);
  live_.erase(it);
  return true;
}

void Replay::NoteTracedDomain(uint64_t traced_domain) {
  std::vector<uint64_t>& known = state_.traced_domains;
  if (known.size() >= ReplayState::kMaxTracedDomains) return;
  if (std::find(known.begin(), known.end(), traced_domain) == known.end()) {
    known.push_back(traced_domain);
  }
}

bool Replay::RetrackAt(uint64_t address) {
  auto it = live_.find(address);
  if (it == live_.end() || it->second.domain != trace::Domain::kTraced) return false;
  ++state_.domains[static_cast<int>(trace::Domain::kTraced)].reallocs;
  ++state_.all.reallocs;
  ReleaseAt(address, Release::kRealloc);
  return true;
}

bool Replay::operator()(const trace::Alloc& r) {
  if (state_.threads.empty()) return Refuse("an allocation before any thread started");
  if (!state_.symbols.HasStack(r.stack)) {
    return Refuse(
        absl::StrCat("an allocation refers to stack ", r.stack, ", which was never defined"));
  }
  ++state_.events;
  bool retracked = false;
  if (r.domain == trace::Domain::kTraced) {
    NoteTracedDomain(r.traced_domain);
    retracked = RetrackAt(r.address);
  }
  Allocate(r.domain, r.address, r.size, r.stack, 1, retracked);
  return true;
}

// A sample stands for `weight` bytes in weight/size blocks of its size.
bool Replay::operator()(const trace::AllocWeighted& r) {
  if (state_.threads.empty()) return Refuse("an allocation before any thread started");
  if (!state_.symbols.HasStack(r.stack)) {
    return Refuse(
        absl::StrCat("an allocation refers to stack ", r.stack, ", which was never defined"));
  }
  const uint64_t size = std::max<uint64_t>(r.size, 1);
  const uint64_t blocks = std::clamp<uint64_t>((r.weight + size / 2) / size, 1, UINT32_MAX);
  ++state_.sampled_events;
  state_.events += blocks;
  bool retracked = false;
  if (r.domain == trace::Domain::kTraced) {
    NoteTracedDomain(r.traced_domain);
    retracked = RetrackAt(r.address);
  }
  Allocate(r.domain, r.address, r.weight, r.stack, static_cast<uint32_t>(blocks), retracked);
  return true;
}

bool Replay::operator()(const trace::Free& r) {
  ++state_.events;
  // PyTraceMalloc_Untrack releases a traced block only: the address of a
  // block of CPython's domains that was never tracked is left alone.
  const bool untracks_other =
      r.domain == trace::Domain::kTraced &&
      (LiveBlock(r.address) == nullptr || LiveBlock(r.address)->domain != trace::Domain::kTraced);
  if (untracks_other || !ReleaseAt(r.address, Release::kFree)) {
    ++state_.unmatched_frees;
    ++state_.domains[static_cast<int>(r.domain)].frees;
    ++state_.all.frees;
  }
  return true;
}

bool Replay::operator()(const trace::Realloc& r) {
  if (state_.threads.empty()) return Refuse("a reallocation before any thread started");
  if (!state_.symbols.HasStack(r.stack)) {
    return Refuse(
        absl::StrCat("a reallocation refers to stack ", r.stack, ", which was never defined"));
  }
  if (r.domain == trace::Domain::kTraced) return Refuse("a reallocation in the traced domain");
  ++state_.events;
  ++state_.domains[static_cast<int>(r.domain)].reallocs;
  ++state_.all.reallocs;
  // A realloc of a block allocated before recording began counts as a
  // free of it; the new block is an allocation of the new size either way.
  if (!ReleaseAt(r.old_address, Release::kRealloc)) ++state_.unmatched_frees;
  Allocate(r.domain, r.address, r.size, r.stack, 1, /*is_realloc=*/true);
  return true;
}

// --- Definitions ------------------------------------------------------------

bool Replay::operator()(const trace::Code& r) {
  std::string why = state_.symbols.Define(r);
  return why.empty() || Refuse(std::move(why));
}

bool Replay::operator()(const trace::Frame& r) {
  std::string why = state_.symbols.Define(r);
  return why.empty() || Refuse(std::move(why));
}

bool Replay::operator()(const trace::Stack& r) {
  std::string why = state_.symbols.Define(r);
  if (!why.empty()) return Refuse(std::move(why));
  NoteStackDefined(StackId(static_cast<uint32_t>(r.id)));
  return true;
}

void Replay::NoteStackDefined(StackId stack) {
  const StackNode& node = state_.symbols.stack(stack);
  stack_outermost_.push_back(node.parent == kNoStack ? node.frame
                                                     : stack_outermost_[node.parent.index()]);
  if (!selection_.filters_files()) return;
  uint8_t matches = 0;
  if (stack != kNoStack) {
    matches = stack_selected_[node.parent.index()];
    const std::string& file = state_.symbols.code_of(node.frame).file;
    if (MatchesAny(selection_.include_files, file)) matches |= 1;
    if (MatchesAny(selection_.exclude_files, file)) matches |= 2;
  }
  stack_selected_.push_back(matches);
}

bool Replay::operator()(const trace::ThreadStart& r) {
  if (r.thread > state_.threads.size()) {
    return Refuse(
        absl::StrCat("thread ", r.thread, " starts where the next one is ", state_.threads.size()));
  }
  if (r.thread == state_.threads.size()) {
    state_.threads.push_back({r.native_id, r.name});
    state_.thread_allocs.push_back(0);
    thread_selected_.push_back(selection_.threads &&
                               selection_.threads->contains(static_cast<uint32_t>(r.thread)));
  } else {
    state_.threads[r.thread] = {r.native_id, r.name};
  }
  return true;
}

bool Replay::operator()(const trace::ThreadName& r) {
  if (r.thread >= state_.threads.size()) {
    return Refuse(absl::StrCat("a name for thread ", r.thread, ", which never started"));
  }
  state_.threads[r.thread].name = r.name;
  return true;
}

bool Replay::operator()(const trace::ThreadSwitch& r) {
  if (r.thread >= state_.threads.size()) {
    return Refuse(absl::StrCat("events of thread ", r.thread, ", which never started"));
  }
  state_.thread = ThreadId(static_cast<uint32_t>(r.thread));
  return true;
}

// --- Process events ---------------------------------------------------------

bool Replay::operator()(const trace::Time& r) {
  // Times only grow; a damaged or crafted trace going back is held at the
  // latest, so that every analysis sees one clock.
  if (r.micros <= state_.now && !state_.clock.empty()) return true;
  state_.now = r.micros;
  state_.clock.emplace_back(state_.seq, state_.now);
  in_window_ = state_.now >= selection_.from_micros && state_.now < selection_.to_micros;
  UpdateCommonFlags();
  for (ReplayObserver* observer : observers_) observer->OnTime(state_.now);
  return true;
}

bool Replay::operator()(const trace::Rss& r) {
  state_.last_rss = r.bytes;
  if (r.bytes > state_.peak_rss) {
    state_.peak_rss = r.bytes;
    state_.peak_rss_micros = state_.now;
    state_.heap_at_peak_rss = state_.all.heap;
  }
  for (ReplayObserver* observer : observers_) observer->OnRss(r.bytes);
  return true;
}

bool Replay::operator()(const trace::GcStart& r) {
  for (ReplayObserver* observer : observers_) observer->OnGcStart(r.generation);
  return true;
}

bool Replay::operator()(const trace::GcStop& r) {
  ++state_.gc_runs;
  state_.gc_collected += r.collected;
  state_.gc_uncollectable += r.uncollectable;
  for (ReplayObserver* observer : observers_) {
    observer->OnGcStop(r.generation, r.collected, r.uncollectable);
  }
  return true;
}

bool Replay::operator()(const trace::Mark& r) {
  state_.marks.push_back({state_.now, state_.seq, r.label});
  for (ReplayObserver* observer : observers_) observer->OnMark();
  return true;
}

bool Replay::operator()(const trace::SnapshotRequest& r) {
  state_.snapshot_requests.push_back({state_.now, state_.seq, r.label});
  return true;
}

bool Replay::operator()(const trace::Finalizing&) {
  if (state_.finalizing) return true;
  state_.finalizing = true;
  state_.finalizing_micros = state_.now;
  state_.finalizing_seq = state_.seq;
  UpdateCommonFlags();
  for (ReplayObserver* observer : observers_) observer->OnFinalizing();
  return true;
}

bool Replay::operator()(const trace::Fork& r) {
  state_.forks.push_back({state_.now, r.child_pid});
  return true;
}

bool Replay::operator()(const trace::Pause&) {
  ++state_.pauses;
  paused_since_ = state_.now;
  paused_ = true;
  return true;
}

bool Replay::operator()(const trace::Resume&) {
  if (paused_) state_.paused_micros += state_.now - paused_since_;
  paused_ = false;
  return true;
}

// An exec that failed is followed by more records; one that succeeded ends
// this process's trace.
bool Replay::operator()(const trace::Exec& r) {
  state_.exec_path = r.path;
  exec_last_ = true;
  return true;
}

// --- Snapshots of the object graph -----------------------------------------

bool Replay::operator()(const trace::SnapshotStart& r) {
  if (in_snapshot_) return Refuse("a snapshot starts inside another");
  if (r.trigger > trace::kLastSnapshotTrigger) {
    return Refuse(absl::StrCat("a snapshot with an unknown trigger ", r.trigger));
  }
  in_snapshot_ = true;
  snapshot_object_open_ = false;
  state_.snapshots.push_back(
      {state_.now, state_.seq, static_cast<trace::SnapshotTrigger>(r.trigger), r.label});
  for (ReplayObserver* observer : observers_) observer->OnSnapshotStart();
  return true;
}

bool Replay::operator()(const trace::SnapshotName& r) {
  std::vector<std::string>& names = state_.snapshot_names;
  if (r.id == 0 || r.id > names.size()) {
    return Refuse(absl::StrCat("snapshot name ", r.id, " defined before name ", names.size()));
  }
  if (r.id == names.size()) {
    names.push_back(r.text);
  } else {
    names[r.id] = r.text;
  }
  return true;
}

bool Replay::operator()(const trace::SnapshotObject& r) {
  if (!in_snapshot_) return Refuse("a snapshot object outside a snapshot");
  if (r.type_name >= state_.snapshot_names.size()) {
    return Refuse(absl::StrCat("a snapshot object's type names undefined name ", r.type_name));
  }
  snapshot_object_open_ = true;
  ++state_.snapshots.back().objects;
  const Block* block =
      r.block_offset <= r.address ? LiveBlock(r.address - r.block_offset) : nullptr;
  for (ReplayObserver* observer : observers_) observer->OnSnapshotObject(r, block);
  return true;
}

bool Replay::operator()(const trace::SnapshotEdge& r) {
  if (!snapshot_object_open_) return Refuse("a snapshot edge without its object");
  if ((r.label & 1) == 0 && (r.label >> 1) >= state_.snapshot_names.size()) {
    return Refuse(absl::StrCat("a snapshot edge names undefined name ", r.label >> 1));
  }
  ++state_.snapshots.back().edges;
  for (ReplayObserver* observer : observers_) observer->OnSnapshotEdge(r);
  return true;
}

bool Replay::operator()(const trace::SnapshotBuffer& r) {
  if (!snapshot_object_open_) return Refuse("a snapshot buffer without its object");
  const Block* block = LiveBlock(r.address);
  for (ReplayObserver* observer : observers_) observer->OnSnapshotBuffer(r.address, block);
  return true;
}

bool Replay::operator()(const trace::SnapshotRoot& r) {
  if (!in_snapshot_) return Refuse("a snapshot root outside a snapshot");
  if (r.kind > trace::kLastSnapshotRootKind || r.name >= state_.snapshot_names.size()) {
    return Refuse("a snapshot root of an unknown kind or name");
  }
  snapshot_object_open_ = false;
  for (ReplayObserver* observer : observers_) observer->OnSnapshotRoot(r);
  return true;
}

bool Replay::operator()(const trace::SnapshotEnd& r) {
  if (!in_snapshot_) return Refuse("a snapshot ends that did not start");
  SnapshotInfo& snapshot = state_.snapshots.back();
  if (r.objects != snapshot.objects || r.edges != snapshot.edges) {
    return Refuse(absl::StrCat("a snapshot of ", snapshot.objects, " objects and ", snapshot.edges,
                               " edges says it has ", r.objects, " and ", r.edges));
  }
  in_snapshot_ = snapshot_object_open_ = false;
  snapshot.complete = true;
  for (ReplayObserver* observer : observers_) observer->OnSnapshotEnd();
  return true;
}

bool Replay::operator()(const trace::End&) {
  state_.ended = true;
  return true;
}

bool Replay::operator()(const trace::Lost& r) {
  state_.lost_events += r.events;
  return true;
}

}  // namespace arenatrace::analyzer
