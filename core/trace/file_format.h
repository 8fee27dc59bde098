// The container format of a trace file: a file header, then self-delimiting
// chunks. See docs/TRACE_FORMAT.md.
//
//   file:   magic (8 bytes "\x89ATRACE\n") | version (u32 LE) | reserved (u32)
//   chunk:  magic "CHNK" (u32 LE) | kind (u8) | encoding (u8) | reserved (u16)
//           | stored size (u32 LE) | content size (u32 LE)
//           | XXH3-64 of the stored bytes (u64 LE) | stored bytes
//
// The first chunk is the header (kind 1), every other one holds records
// (kind 2). A chunk is written whole, with one write(2), by one thread, so a
// process killed at any moment leaves a file whose every complete chunk is
// intact; a reader stops at the first incomplete or damaged one.
#ifndef ARENATRACE_CORE_TRACE_FILE_FORMAT_H_
#define ARENATRACE_CORE_TRACE_FILE_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace arenatrace::trace {

inline constexpr char kFileMagic[8] = {'\x89', 'A', 'T', 'R', 'A', 'C', 'E', '\n'};
inline constexpr uint32_t kFormatVersion = 5;
// Version 4 added the snapshot records and nothing else: a version 3 trace
// reads as one without snapshots. Version 5 added the traced domain (3) to
// the memory records, with its extra field, and nothing else: a version 3 or
// 4 trace reads as one without traced blocks.
inline constexpr uint32_t kOldestReadableVersion = 3;
inline constexpr size_t kFileHeaderSize = 16;

inline constexpr uint32_t kChunkMagic = 0x4b4e4843;  // "CHNK"
inline constexpr size_t kChunkHeaderSize = 24;
// Larger chunks are refused by the reader: a damaged size must not make it
// allocate gigabytes.
inline constexpr uint32_t kMaxChunkContentSize = 64u << 20;

enum class ChunkKind : uint8_t { kHeader = 1, kRecords = 2 };
enum class ChunkEncoding : uint8_t { kRaw = 0, kZstd = 1 };

struct ChunkHeader {
  uint32_t magic;
  ChunkKind kind;
  ChunkEncoding encoding;
  uint16_t reserved;
  uint32_t stored_size;
  uint32_t content_size;
  uint64_t checksum;
};
static_assert(sizeof(ChunkHeader) == kChunkHeaderSize);

}  // namespace arenatrace::trace

#endif  // ARENATRACE_CORE_TRACE_FILE_FORMAT_H_
