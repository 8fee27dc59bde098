// LEB128 varints and zigzag: the integer encoding of every trace record.
#ifndef ARENATRACE_CORE_TRACE_VARINT_H_
#define ARENATRACE_CORE_TRACE_VARINT_H_

#include <cstddef>
#include <cstdint>

namespace arenatrace::trace {

inline constexpr size_t kMaxVarintBytes = 10;

// Writes `value` at `out` (room for kMaxVarintBytes); returns the end.
inline uint8_t* PutVarint(uint8_t* out, uint64_t value) {
  while (value >= 0x80) {
    *out++ = static_cast<uint8_t>(value) | 0x80;
    value >>= 7;
  }
  *out++ = static_cast<uint8_t>(value);
  return out;
}

inline uint64_t ZigZag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
inline int64_t UnZigZag(uint64_t value) {
  return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

// Reads a varint from [*in, end); false (and *in unchanged) when it is cut
// short or longer than 10 bytes.
inline bool GetVarint(const uint8_t** in, const uint8_t* end, uint64_t* value) {
  uint64_t result = 0;
  const uint8_t* p = *in;
  for (unsigned shift = 0; shift < 64 && p < end; shift += 7) {
    const uint8_t byte = *p++;
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *in = p;
      *value = result;
      return true;
    }
  }
  return false;
}

// GetVarint for a caller that knows kMaxVarintBytes bytes are readable at
// *in: no bound check per byte (the replay decodes tens of millions of
// them). False, *in past the 10 bytes, for a varint longer than 10 bytes.
inline bool GetVarintUnchecked(const uint8_t** in, uint64_t* value) {
  const uint8_t* p = *in;
  uint64_t byte = *p++;
  if (__builtin_expect(byte < 0x80, 1)) {
    *in = p;
    *value = byte;
    return true;
  }
  uint64_t result = byte & 0x7f;
  for (unsigned shift = 7; shift < 70; shift += 7) {
    byte = *p++;
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *in = p;
      *value = result;
      return true;
    }
  }
  *in = p;
  return false;
}

}  // namespace arenatrace::trace

#endif  // ARENATRACE_CORE_TRACE_VARINT_H_
