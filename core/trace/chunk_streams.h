// A records chunk's payload is two byte streams, one after the other:
//
//   Varint(size of records) records addresses
//
// `records` holds every record's tag and fields except the Address fields,
// which are in `addresses`, both in record order. Kept apart, each stream is
// far more regular than their interleaving, and zstd compresses a trace about
// a quarter smaller (object churn on 3.10: 1.13 -> 0.82 bytes per event; a
// third stream for stack ids gained nothing more).
#ifndef ARENATRACE_CORE_TRACE_CHUNK_STREAMS_H_
#define ARENATRACE_CORE_TRACE_CHUNK_STREAMS_H_

#include <cstddef>
#include <cstdint>

#include "core/trace/byte_buffer.h"
#include "core/trace/varint.h"

namespace arenatrace::trace {

// Where the encoder writes one chunk's records.
struct ChunkStreams {
  ByteBuffer records;
  ByteBuffer addresses;

  size_t size() const { return records.size() + addresses.size(); }
  void clear() {
    records.clear();
    addresses.clear();
  }

  // The chunk payload, in `out` (cleared first).
  void Join(ByteBuffer* out) const {
    out->clear();
    uint8_t size[kMaxVarintBytes];
    out->Append(size, static_cast<size_t>(PutVarint(size, records.size()) - size));
    out->Append(records.data(), records.size());
    out->Append(addresses.data(), addresses.size());
  }
};

// The streams of a payload; false when its records size does not fit it.
struct ChunkStreamSpans {
  const uint8_t* records;
  const uint8_t* records_end;
  const uint8_t* addresses;
  const uint8_t* addresses_end;
};
inline bool SplitChunkStreams(const uint8_t* data, size_t size, ChunkStreamSpans* spans) {
  const uint8_t* cursor = data;
  const uint8_t* end = data + size;
  uint64_t records_size = 0;
  if (!GetVarint(&cursor, end, &records_size)) return false;
  if (records_size > static_cast<uint64_t>(end - cursor)) return false;
  spans->records = cursor;
  spans->records_end = cursor + records_size;
  spans->addresses = spans->records_end;
  spans->addresses_end = end;
  return true;
}

}  // namespace arenatrace::trace

#endif  // ARENATRACE_CORE_TRACE_CHUNK_STREAMS_H_
