// Reads a trace file chunk by chunk: every intact chunk of a truncated or
// damaged file is read, and the reader says where and why it stopped.
#ifndef ARENATRACE_CORE_TRACE_TRACE_READER_H_
#define ARENATRACE_CORE_TRACE_TRACE_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/trace/record_codec.h"
#include "core/trace/records.h"

namespace arenatrace::trace {

enum class ChunkStatus {
  kChunk,     // `content` holds the next chunk's records
  kEnd,       // the file ended cleanly after the last chunk
  kCutShort,  // the file ends inside a chunk (the process was killed, or the disk filled)
  kDamaged,   // a chunk's framing, checksum or compression is wrong
};

class TraceReader {
 public:
  // Opens `path` and reads its header. On failure returns nullptr and sets
  // `error` to one line saying what the file is not.
  static std::unique_ptr<TraceReader> Open(const std::string& path, std::string* error);
  ~TraceReader();

  const Header& header() const { return header_; }
  ChunkStatus NextChunk(std::vector<uint8_t>* content);

  // Decodes every remaining chunk, calling `handler(record)` for each record.
  // Returns kEnd for a whole file, else why reading stopped (a malformed
  // record counts as kDamaged); problem() says where.
  template <class Handler>
  ChunkStatus ReadRecords(Handler& handler) {
    std::vector<uint8_t> content;
    ChunkStatus status;
    while ((status = NextChunk(&content)) == ChunkStatus::kChunk) {
      RecordDecoder decoder(content.data(), content.size());
      if (!decoder.Decode(handler)) {
        problem_ = "a damaged record in the chunk at offset " + std::to_string(chunk_offset_) +
                   ": " + decoder.error();
        return ChunkStatus::kDamaged;
      }
    }
    return status;
  }
  // Why reading stopped, for kCutShort and kDamaged.
  const std::string& problem() const { return problem_; }
  uint64_t chunks_read() const { return chunks_read_; }
  // Where the chunk NextChunk returned last starts in the file.
  uint64_t chunk_offset() const { return chunk_offset_; }
  // For a caller that decodes chunks itself and stops at a record it cannot
  // accept: reading ends there, as damaged, for `why`.
  void StopAtDamage(const std::string& why) { problem_ = why; }
  uint64_t file_size() const { return file_size_; }

 private:
  TraceReader(int fd, uint64_t file_size) : fd_(fd), file_size_(file_size) {}
  ChunkStatus ReadChunk(std::vector<uint8_t>* content, bool* is_header);

  int fd_;
  uint64_t file_size_;
  uint64_t offset_ = 0;
  uint64_t chunk_offset_ = 0;
  uint64_t chunks_read_ = 0;
  Header header_;
  std::string problem_;
  std::vector<uint8_t> stored_;
};

}  // namespace arenatrace::trace

#endif  // ARENATRACE_CORE_TRACE_TRACE_READER_H_
