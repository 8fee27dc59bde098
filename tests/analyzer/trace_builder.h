// Builds trace files for tests, record by record, as the recorder would
// write them (the same encoder, transposer and chunk writer), so that the
// analyzer's answers on them can be exact. Symbols can be given as frames
// (function, file, line), interned as the recorder interns them; any record
// can also be put raw, for crafted traces.
#ifndef ARENATRACE_TESTS_ANALYZER_TRACE_BUILDER_H_
#define ARENATRACE_TESTS_ANALYZER_TRACE_BUILDER_H_

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/trace/chunk_streams.h"
#include "core/trace/chunk_writer.h"
#include "core/trace/record_codec.h"

namespace arenatrace::testing {

struct F {  // a frame, as a test writes it
  std::string function;
  std::string file;
  uint64_t line;
};

class TraceBuilder {
 public:
  TraceBuilder() : encoder_(&rows_) {
    header_.pid = 4242;
    header_.ppid = 1;
    header_.argv = {"python3", "app.py"};
    header_.python_version = "3.12.1 (main)";
    header_.allocator = "arenatrace";
    header_.time_resolution_micros = 1000;
    encoder_.StartChunk();
  }

  trace::Header& header() { return header_; }

  // The stack of these frames, outermost first; defined as needed.
  uint32_t Stack(const std::vector<F>& frames) {
    uint64_t stack = trace::kEmptyStack;
    for (const F& f : frames) {
      auto code_key = std::make_pair(f.function, f.file);
      auto code = codes_.find(code_key);
      if (code == codes_.end()) {
        trace::Code record{next_code_++, f.function, f.file, 1};
        Put(record);
        code = codes_.emplace(code_key, record.id).first;
      }
      auto frame_key = std::make_pair(code->second, f.line);
      auto frame = frames_.find(frame_key);
      if (frame == frames_.end()) {
        trace::Frame record{next_frame_++, code->second, f.line};
        Put(record);
        frame = frames_.emplace(frame_key, record.id).first;
      }
      auto stack_key = std::make_pair(stack, frame->second);
      auto node = stacks_.find(stack_key);
      if (node == stacks_.end()) {
        trace::Stack record{next_stack_++, stack, frame->second};
        Put(record);
        node = stacks_.emplace(stack_key, record.id).first;
      }
      stack = node->second;
    }
    return static_cast<uint32_t>(stack);
  }

  // A thread's start; its events follow.
  uint64_t Thread(uint64_t native_id, const std::string& name) {
    trace::ThreadStart record{next_thread_, native_id, name};
    Put(record);
    Switch(next_thread_);
    return next_thread_++;
  }
  void Switch(uint64_t thread) {
    trace::ThreadSwitch record{thread};
    Put(record);
  }
  void At(uint64_t micros) {
    trace::Time record{micros};
    Put(record);
  }
  void Alloc(uint64_t address, uint64_t size, uint32_t stack,
             trace::Domain domain = trace::Domain::kObj) {
    trace::Alloc record{domain, address, size, stack};
    Put(record);
  }
  void Free(uint64_t address, trace::Domain domain = trace::Domain::kObj) {
    trace::Free record{domain, address, 0};
    Put(record);
  }
  void Realloc(uint64_t old_address, uint64_t address, uint64_t size, uint32_t stack,
               trace::Domain domain = trace::Domain::kMem) {
    trace::Realloc record{domain, old_address, address, size, stack};
    Put(record);
  }
  // PyTraceMalloc_Track / Untrack: the traced domain.
  void Track(uint64_t address, uint64_t size, uint32_t stack, uint64_t traced_domain) {
    trace::Alloc record{trace::Domain::kTraced, address, size, stack, traced_domain};
    Put(record);
  }
  void Untrack(uint64_t address, uint64_t traced_domain) {
    trace::Free record{trace::Domain::kTraced, address, 0, traced_domain};
    Put(record);
  }
  void Mark(const std::string& label) {
    trace::Mark record{label};
    Put(record);
  }
  void Finalizing() {
    trace::Finalizing record;
    Put(record);
  }
  void End() {
    trace::End record;
    Put(record);
  }

  template <class R>
  void Put(R& record) {
    encoder_.Put(record);
  }

  // Ends the current chunk (the next records go into a new one).
  void Chunk() {
    if (rows_.empty()) return;
    trace::ChunkStreams streams;
    trace::RecordTransposer::Transpose(rows_.data(), rows_.size(), &streams);
    trace::ByteBuffer payload;
    streams.Join(&payload);
    chunks_.emplace_back(payload.data(), payload.data() + payload.size());
    rows_.clear();
    encoder_.StartChunk();
  }

  bool Write(const std::string& path) {
    Chunk();
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    trace::ChunkWriter writer(fd, 3);
    trace::ByteBuffer header_bytes;
    trace::RecordEncoder header_encoder(&header_bytes);
    header_encoder.PutHeader(header_);
    if (!writer.WriteFileHeader() ||
        !writer.WriteChunk(trace::ChunkKind::kHeader, header_bytes.data(), header_bytes.size())) {
      return false;
    }
    for (const std::vector<uint8_t>& chunk : chunks_) {
      if (!writer.WriteChunk(trace::ChunkKind::kRecords, chunk.data(), chunk.size())) return false;
    }
    return true;
  }

 private:
  trace::Header header_;
  trace::ByteBuffer rows_;
  trace::RecordEncoder encoder_;
  std::vector<std::vector<uint8_t>> chunks_;
  std::map<std::pair<std::string, std::string>, uint64_t> codes_;
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> frames_;
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> stacks_;
  uint64_t next_code_ = 1;
  uint64_t next_frame_ = 1;
  uint64_t next_stack_ = 1;
  uint64_t next_thread_ = 0;
};

// A temporary file name, removed with the object.
class TempPath {
 public:
  TempPath() {
    char name[] = "/tmp/arenatrace-test-XXXXXX";
    const int fd = mkstemp(name);
    if (fd >= 0) close(fd);
    path_ = name;
  }
  ~TempPath() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace arenatrace::testing

#endif  // ARENATRACE_TESTS_ANALYZER_TRACE_BUILDER_H_
