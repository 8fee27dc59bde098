// Writes a trace file: the file header, then compressed, checksummed chunks.
// Used by one thread at a time (the preload's writer thread).
#ifndef ARENATRACE_CORE_TRACE_CHUNK_WRITER_H_
#define ARENATRACE_CORE_TRACE_CHUNK_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/trace/file_format.h"

struct ZSTD_CCtx_s;

namespace arenatrace::trace {

class ChunkWriter {
 public:
  // Takes ownership of `fd`. zstd level 1 keeps the writer thread's cost low
  // next to the program; the reader does not care which level was used.
  explicit ChunkWriter(int fd, int compression_level = 1);
  ~ChunkWriter();
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  bool WriteFileHeader();
  // Compresses `content` and appends it as one chunk with one write(2).
  // Returns false on a write error (errno() says which); the file then holds
  // every chunk written before.
  bool WriteChunk(ChunkKind kind, const uint8_t* content, size_t size);

  // The descriptor is not ours any more (the program closed it, and the
  // number may name its own file now): never write to nor close it.
  void Disown() { fd_ = -1; }
  // Goes on writing through `fd` (the same file, reopened), owning it.
  void UseDescriptor(int fd) { fd_ = fd; }
  int fd() const { return fd_; }

  int error_number() const { return error_number_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  bool WriteAll(const uint8_t* data, size_t size);

  int fd_;
  int compression_level_;
  ZSTD_CCtx_s* context_;
  std::vector<uint8_t> frame_;
  int error_number_ = 0;
  uint64_t bytes_written_ = 0;
};

}  // namespace arenatrace::trace

#endif  // ARENATRACE_CORE_TRACE_CHUNK_WRITER_H_
