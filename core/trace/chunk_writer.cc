#include "core/trace/chunk_writer.h"

#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

#include "core/trace/checksum.h"

namespace arenatrace::trace {

ChunkWriter::ChunkWriter(int fd, int compression_level)
    : fd_(fd), compression_level_(compression_level), context_(ZSTD_createCCtx()) {}

ChunkWriter::~ChunkWriter() {
  ZSTD_freeCCtx(context_);
  if (fd_ >= 0) close(fd_);
}

bool ChunkWriter::WriteAll(const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t written = write(fd_, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      error_number_ = written < 0 ? errno : ENOSPC;
      return false;
    }
    data += written;
    size -= static_cast<size_t>(written);
    bytes_written_ += static_cast<uint64_t>(written);
  }
  return true;
}

bool ChunkWriter::WriteFileHeader() {
  uint8_t header[kFileHeaderSize] = {};
  std::memcpy(header, kFileMagic, sizeof kFileMagic);
  const uint32_t version = kFormatVersion;
  std::memcpy(header + 8, &version, sizeof version);  // little-endian hosts only (x86-64)
  return WriteAll(header, sizeof header);
}

bool ChunkWriter::WriteChunk(ChunkKind kind, const uint8_t* content, size_t size) {
  if (error_number_ != 0) return false;
  const size_t bound = ZSTD_compressBound(size);
  frame_.resize(kChunkHeaderSize + bound);
  uint8_t* stored = frame_.data() + kChunkHeaderSize;
  size_t stored_size =
      ZSTD_compressCCtx(context_, stored, bound, content, size, compression_level_);
  ChunkEncoding encoding = ChunkEncoding::kZstd;
  if (ZSTD_isError(stored_size) || stored_size >= size) {
    std::memcpy(stored, content, size);  // incompressible: store as is
    stored_size = size;
    encoding = ChunkEncoding::kRaw;
  }
  const ChunkHeader header = {kChunkMagic,
                              kind,
                              encoding,
                              0,
                              static_cast<uint32_t>(stored_size),
                              static_cast<uint32_t>(size),
                              Checksum(stored, stored_size)};
  std::memcpy(frame_.data(), &header, sizeof header);
  return WriteAll(frame_.data(), kChunkHeaderSize + stored_size);
}

}  // namespace arenatrace::trace
