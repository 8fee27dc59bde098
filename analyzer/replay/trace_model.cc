#include "analyzer/replay/trace_model.h"

#include <algorithm>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "core/trace/record_codec.h"

namespace arenatrace::analyzer {
namespace {

template <class T>
void Define(std::vector<T>* table, uint64_t id, const T& value) {
  if (id >= table->size()) table->resize(id + 1);
  (*table)[id] = value;
}

class Replayer {
 public:
  explicit Replayer(TraceModel* model) : m_(*model) {}

  void operator()(const trace::Alloc& r) { Allocate(r.domain, r.address, r.size, r.stack); }
  // Estimates: the sample stands for `weight` bytes in weight/size blocks.
  void operator()(const trace::AllocWeighted& r) {
    ++m_.sampled_events;
    const uint64_t size = std::max<uint64_t>(r.size, 1);
    const uint64_t blocks = std::max<uint64_t>(1, (r.weight + size / 2) / size);
    m_.events += blocks;
    m_.domains[static_cast<int>(r.domain)].allocs += blocks;
    m_.all.allocs += blocks;
    Acquire(r.domain, r.address, r.weight, r.stack, blocks);
  }
  void operator()(const trace::Free& r) {
    ++m_.events;
    ++m_.domains[static_cast<int>(r.domain)].frees;
    ++m_.all.frees;
    Release(r.address);
  }
  void operator()(const trace::Realloc& r) {
    ++m_.events;
    ++m_.domains[static_cast<int>(r.domain)].reallocs;
    ++m_.all.reallocs;
    Release(r.old_address);
    Acquire(r.domain, r.address, r.size, r.stack, 1);
  }
  void operator()(const trace::Time& r) {
    now_ = r.micros;
    m_.duration_micros = std::max(m_.duration_micros, now_);
  }
  void operator()(const trace::ThreadSwitch&) {}
  void operator()(const trace::Code& r) { Define(&m_.codes, r.id, r); }
  void operator()(const trace::Frame& r) { Define(&m_.frames, r.id, r); }
  void operator()(const trace::Stack& r) { Define(&m_.stacks, r.id, r); }
  void operator()(const trace::ThreadStart& r) {
    Define(&m_.threads, r.thread, ThreadInfo{r.native_id, r.name});
  }
  void operator()(const trace::ThreadName& r) {
    if (r.thread < m_.threads.size()) m_.threads[r.thread].name = r.name;
  }
  void operator()(const trace::Rss& r) { m_.peak_rss = std::max(m_.peak_rss, r.bytes); }
  void operator()(const trace::GcStart&) {}
  void operator()(const trace::GcStop& r) {
    ++m_.gc_runs;
    m_.gc_collected += r.collected;
  }
  void operator()(const trace::Mark& r) { m_.marks.emplace_back(now_, r.label); }
  void operator()(const trace::SnapshotRequest& r) {
    m_.snapshot_requests.emplace_back(now_, r.label);
  }
  void operator()(const trace::Finalizing&) { m_.finalizing_micros = std::max<uint64_t>(now_, 1); }
  void operator()(const trace::Fork& r) { m_.forked_children.push_back(r.child_pid); }
  void operator()(const trace::Pause&) {
    ++m_.pauses;
    paused_since_ = now_;
    paused_ = true;
  }
  void operator()(const trace::Resume&) {
    if (paused_) m_.paused_micros += now_ - paused_since_;
    paused_ = false;
  }
  // An exec that failed is followed by more records; one that succeeded ends
  // this process's trace.
  void operator()(const trace::Exec& r) {
    m_.exec_path = r.path;
    exec_last_ = true;
  }
  void operator()(const trace::End&) { m_.ended = true; }

  // Called once every record has been read.
  void Finish() {
    if (exec_last_) m_.ended = m_.replaced_by_exec = true;
    if (paused_) m_.paused_micros += m_.duration_micros - paused_since_;
  }

  // Any record but Exec (and the clock) means the process went on after it.
  void NoteRecord(bool is_exec) {
    if (!is_exec) exec_last_ = false;
  }
  void operator()(const trace::Lost& r) { m_.lost_events += r.events; }

 private:
  void Allocate(trace::Domain domain, uint64_t address, uint64_t size, uint32_t stack) {
    ++m_.events;
    ++m_.domains[static_cast<int>(domain)].allocs;
    ++m_.all.allocs;
    Acquire(domain, address, size, stack, 1);
  }
  void Acquire(trace::Domain domain, uint64_t address, uint64_t size, uint32_t stack,
               uint64_t blocks) {
    DomainTotals& d = m_.domains[static_cast<int>(domain)];
    d.bytes_allocated += size;
    m_.all.bytes_allocated += size;
    SiteTotals& site = m_.allocated_by_stack[stack];
    site.allocs += blocks;
    site.bytes += size;
    auto [it, inserted] = m_.live.try_emplace(address, LiveBlock{size, stack, domain});
    if (!inserted) {  // the free was not seen (recorded before we started): replace
      Subtract(it->second);
      it->second = LiveBlock{size, stack, domain};
    }
    Add(d, size);
    Add(m_.all, size);
  }
  void Release(uint64_t address) {
    auto it = m_.live.find(address);
    if (it == m_.live.end()) {
      ++m_.unmatched_frees;
      return;
    }
    Subtract(it->second);
    m_.live.erase(it);
  }
  void Add(DomainTotals& d, uint64_t size) {
    d.heap += size;
    if (d.heap > d.peak_heap) {
      d.peak_heap = d.heap;
      d.peak_micros = now_;
    }
  }
  void Subtract(const LiveBlock& block) {
    m_.domains[static_cast<int>(block.domain)].heap -= block.size;
    m_.all.heap -= block.size;
  }

  TraceModel& m_;
  uint64_t now_ = 0;
  uint64_t paused_since_ = 0;
  bool paused_ = false;
  bool exec_last_ = false;
};

// Tracks whether an Exec was the last record before handing each record on.
struct ReplayHandler {
  Replayer& replayer;
  template <class R>
  void operator()(const R& r) {
    if constexpr (!std::is_same_v<R, trace::Time> && !std::is_same_v<R, trace::Rss>) {
      replayer.NoteRecord(std::is_same_v<R, trace::Exec>);
    }
    replayer(r);
  }
};

}  // namespace

std::string TraceModel::Site(uint32_t stack) const {
  if (stack == trace::kEmptyStack || stack >= stacks.size()) return "<no Python frame>";
  const uint64_t frame_id = stacks[stack].frame;
  if (frame_id >= frames.size()) return "<unknown frame>";
  const trace::Frame& frame = frames[frame_id];
  const std::string name = frame.code < codes.size() ? codes[frame.code].qualified_name : "?";
  const std::string file = frame.code < codes.size() ? codes[frame.code].file : "?";
  return absl::StrCat(name, " (", file, ":", frame.line, ")");
}

std::vector<const trace::Frame*> TraceModel::Frames(uint32_t stack) const {
  std::vector<const trace::Frame*> result;
  for (uint32_t s = stack; s != trace::kEmptyStack && s < stacks.size();
       s = static_cast<uint32_t>(stacks[s].parent)) {
    if (stacks[s].frame < frames.size()) result.push_back(&frames[stacks[s].frame]);
    if (result.size() > stacks.size()) break;  // a damaged trie must not loop forever
  }
  return result;
}

bool ReplayTrace(const std::string& path, TraceModel* model, std::string* error) {
  std::unique_ptr<trace::TraceReader> reader = trace::TraceReader::Open(path, error);
  if (!reader) return false;
  model->header = reader->header();
  model->file_size = reader->file_size();
  Replayer replayer(model);
  ReplayHandler handler{replayer};
  const trace::ChunkStatus status = reader->ReadRecords(handler);
  replayer.Finish();
  model->stop = status;
  model->problem = reader->problem();
  model->chunks = reader->chunks_read();
  return true;
}

}  // namespace arenatrace::analyzer
