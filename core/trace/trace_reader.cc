#include "core/trace/trace_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/trace/checksum.h"
#include "core/trace/file_format.h"
#include "core/trace/record_codec.h"

namespace arenatrace::trace {
namespace {

// Reads exactly `size` bytes at `offset`; returns how many were there.
size_t ReadAt(int fd, uint64_t offset, void* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n =
        pread(fd, static_cast<char*>(out) + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

// "starts with 'PK\x03\x04'" — enough for a user to recognise a foreign file.
std::string DescribeStart(const uint8_t* bytes, size_t size) {
  std::string shown;
  for (size_t i = 0; i < size && i < 8; ++i) {
    if (std::isprint(bytes[i])) {
      shown += static_cast<char>(bytes[i]);
    } else {
      shown += absl::StrCat("\\x", absl::Hex(bytes[i], absl::kZeroPad2));
    }
  }
  return absl::StrCat("it starts with '", shown, "'");
}

const char* DescribeFileType(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a pipe (FIFO)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a file";
}

}  // namespace

std::unique_ptr<TraceReader> TraceReader::Open(const std::string& path, std::string* error) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = absl::StrCat(path, ": cannot open: ", strerror(errno));
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    *error = absl::StrCat(path, ": ", DescribeFileType(st.st_mode),
                          ", not a regular file, so not an arenatrace trace");
    return nullptr;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::unique_ptr<TraceReader> reader(new TraceReader(fd, static_cast<uint64_t>(st.st_size)));
  uint8_t file_header[kFileHeaderSize];
  const size_t got = ReadAt(fd, 0, file_header, sizeof file_header);
  if (got == 0) {
    *error = absl::StrCat(path, ": empty file, not an arenatrace trace");
    return nullptr;
  }
  if (got < sizeof kFileMagic || std::memcmp(file_header, kFileMagic, sizeof kFileMagic) != 0) {
    *error =
        absl::StrCat(path, ": not an arenatrace trace (", DescribeStart(file_header, got), ")");
    return nullptr;
  }
  if (got < kFileHeaderSize) {
    *error = absl::StrCat(path, ": an arenatrace trace cut short inside its file header");
    return nullptr;
  }
  uint32_t version;
  std::memcpy(&version, file_header + 8, sizeof version);
  if (version < kOldestReadableVersion || version > kFormatVersion) {
    *error =
        absl::StrCat(path, ": arenatrace trace format version ", version,
                     ", but this arenatrace reads versions ", kOldestReadableVersion, " to ",
                     kFormatVersion, version > kFormatVersion ? " (use a newer arenatrace)" : "");
    return nullptr;
  }
  reader->offset_ = kFileHeaderSize;
  std::vector<uint8_t> content;
  bool is_header = false;
  const ChunkStatus status = reader->ReadChunk(&content, &is_header);
  if (status != ChunkStatus::kChunk || !is_header) {
    *error = absl::StrCat(path, ": an arenatrace trace without a readable header (",
                          status == ChunkStatus::kChunk ? "first chunk is not the header"
                          : status == ChunkStatus::kEnd ? "the file ends after 16 bytes"
                                                        : reader->problem_,
                          ")");
    return nullptr;
  }
  RecordDecoder decoder(content.data(), content.size(), RecordDecoder::Payload::kHeader);
  if (!decoder.GetHeader(&reader->header_)) {
    *error = absl::StrCat(path, ": damaged trace header (", decoder.error(), ")");
    return nullptr;
  }
  return reader;
}

TraceReader::~TraceReader() { close(fd_); }

ChunkStatus TraceReader::NextChunk(std::vector<uint8_t>* content) {
  bool is_header = false;
  const ChunkStatus status = ReadChunk(content, &is_header);
  if (status == ChunkStatus::kChunk && is_header) {
    problem_ = absl::StrCat("a second header chunk at offset ", offset_);
    return ChunkStatus::kDamaged;
  }
  return status;
}

ChunkStatus TraceReader::ReadChunk(std::vector<uint8_t>* content, bool* is_header) {
  if (offset_ == file_size_) return ChunkStatus::kEnd;
  ChunkHeader header;
  const size_t got = ReadAt(fd_, offset_, &header, sizeof header);
  if (got == 0) return ChunkStatus::kEnd;
  if (got < sizeof header) {
    problem_ = absl::StrCat("the file ends inside a chunk header at offset ", offset_);
    return ChunkStatus::kCutShort;
  }
  if (header.magic != kChunkMagic) {
    problem_ = absl::StrCat("no chunk where one should start, at offset ", offset_);
    return ChunkStatus::kDamaged;
  }
  if (header.content_size > kMaxChunkContentSize || header.stored_size > kMaxChunkContentSize ||
      (header.kind != ChunkKind::kHeader && header.kind != ChunkKind::kRecords) ||
      (header.encoding != ChunkEncoding::kRaw && header.encoding != ChunkEncoding::kZstd)) {
    problem_ = absl::StrCat("a chunk header with impossible values at offset ", offset_);
    return ChunkStatus::kDamaged;
  }
  stored_.resize(header.stored_size);
  if (ReadAt(fd_, offset_ + sizeof header, stored_.data(), stored_.size()) < stored_.size()) {
    problem_ =
        absl::StrCat("the file ends inside the chunk at offset ", offset_, " (",
                     file_size_ - offset_, " of ", sizeof header + header.stored_size, " bytes)");
    return ChunkStatus::kCutShort;
  }
  if (Checksum(stored_.data(), stored_.size()) != header.checksum) {
    problem_ = absl::StrCat("checksum mismatch in the chunk at offset ", offset_);
    return ChunkStatus::kDamaged;
  }
  content->resize(header.content_size);
  if (header.encoding == ChunkEncoding::kRaw) {
    if (header.stored_size != header.content_size) {
      problem_ = absl::StrCat("inconsistent sizes in the chunk at offset ", offset_);
      return ChunkStatus::kDamaged;
    }
    std::memcpy(content->data(), stored_.data(), stored_.size());
  } else {
    const size_t n =
        ZSTD_decompress(content->data(), content->size(), stored_.data(), stored_.size());
    if (ZSTD_isError(n) || n != header.content_size) {
      problem_ = absl::StrCat("the chunk at offset ", offset_, " does not decompress");
      return ChunkStatus::kDamaged;
    }
  }
  *is_header = header.kind == ChunkKind::kHeader;
  chunk_offset_ = offset_;
  offset_ += sizeof header + header.stored_size;
  ++chunks_read_;
  return ChunkStatus::kChunk;
}

}  // namespace arenatrace::trace
