// Encoding and decoding of records (records.h) to and from chunk payloads.
#ifndef ARENATRACE_CORE_TRACE_RECORD_CODEC_H_
#define ARENATRACE_CORE_TRACE_RECORD_CODEC_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "core/trace/byte_buffer.h"
#include "core/trace/records.h"
#include "core/trace/varint.h"

namespace arenatrace::trace {

// Appends records to a byte buffer. Delta state is per chunk: call
// StartChunk() whenever a new chunk begins.
class RecordEncoder {
 public:
  explicit RecordEncoder(ByteBuffer* out) : out_(out) {}

  void StartChunk() {
    memset(previous_addresses_, 0, sizeof previous_addresses_);
    previous_stack_ = 0;
    previous_micros_ = 0;
  }

  // Room for a whole record is made once and its bytes written in place
  // (this runs for every allocation event). Records of numbers only go
  // through NumberWriter, whose cursor stays in a register: the encoder's
  // own cursor would be reloaded after every byte stored, since a byte
  // store may alias anything.
  template <class R>
  __attribute__((always_inline)) void Put(R& record) {
    uint8_t tag = static_cast<uint8_t>(R::kType);
    if constexpr (requires { record.domain; }) {
      tag |= static_cast<uint8_t>(static_cast<uint8_t>(record.domain) << kTagDomainShift);
    }
    if constexpr (kNumbersOnly<R>) {
      NumberWriter writer{out_->BeginWrite(kRoom), this};
      *writer.cursor++ = tag;
      record.Fields(writer);
      out_->EndWrite(writer.cursor);
    } else {
      Begin();
      *cursor_++ = tag;
      record.Fields(*this);
      out_->EndWrite(cursor_);
    }
  }

  // Header fields (no tag).
  void PutHeader(Header& header) {
    Begin();
    header.Fields(*this);
    out_->EndWrite(cursor_);
  }

  // Field visitors (used by the records' Fields methods).
  void Varint(uint64_t& value) {
    if (__builtin_expect(cursor_ + kMaxVarintBytes > limit_, 0)) {
      out_->EndWrite(cursor_);
      Begin();
    }
    cursor_ = PutVarint(cursor_, value);
  }
  void Signed(int64_t& value) {
    uint64_t encoded = ZigZag(value);
    Varint(encoded);
  }
  void Address(uint64_t& address, size_t stream) {
    uint64_t encoded = AddressDelta(address, stream);
    Varint(encoded);
  }
  void StackRef(uint32_t& stack) {
    uint64_t encoded = StackDelta(stack);
    Varint(encoded);
  }
  void TimeDelta(uint64_t& micros) {
    uint64_t encoded = MicrosDelta(micros);
    Varint(encoded);
  }
  void String(std::string& value) {
    uint64_t length = value.size();
    Varint(length);
    out_->EndWrite(cursor_);
    out_->Append(value.data(), value.size());
    Begin();
  }
  void Strings(std::vector<std::string>& values) {
    uint64_t count = values.size();
    Varint(count);
    for (std::string& value : values) String(value);
  }

 private:
  // Records whose fields are all numbers (at most 5, so that they fit in
  // kRoom), and are written without a room check per field.
  template <class R>
  static constexpr bool kNumbersOnly =
      std::is_same_v<R, Alloc> || std::is_same_v<R, Free> || std::is_same_v<R, Realloc> ||
      std::is_same_v<R, AllocWeighted> || std::is_same_v<R, Time> ||
      std::is_same_v<R, ThreadSwitch> || std::is_same_v<R, Frame> || std::is_same_v<R, Stack>;

  struct NumberWriter {
    uint8_t* cursor;
    RecordEncoder* encoder;
    void Varint(uint64_t& value) { cursor = PutVarint(cursor, value); }
    void Signed(int64_t& value) { cursor = PutVarint(cursor, ZigZag(value)); }
    void Address(uint64_t& address, size_t stream) {
      cursor = PutVarint(cursor, encoder->AddressDelta(address, stream));
    }
    void StackRef(uint32_t& stack) { cursor = PutVarint(cursor, encoder->StackDelta(stack)); }
    void TimeDelta(uint64_t& micros) { cursor = PutVarint(cursor, encoder->MicrosDelta(micros)); }
  };

  uint64_t AddressDelta(uint64_t address, size_t stream) {
    const int64_t delta = static_cast<int64_t>(address - previous_addresses_[stream]);
    previous_addresses_[stream] = address;
    return (delta & 15) == 0 ? ZigZag(delta >> 4) << 1 : (ZigZag(delta) << 1) | 1;
  }
  uint64_t StackDelta(uint32_t stack) {
    const uint64_t encoded =
        ZigZag(static_cast<int64_t>(stack) - static_cast<int64_t>(previous_stack_));
    previous_stack_ = stack;
    return encoded;
  }
  uint64_t MicrosDelta(uint64_t micros) {
    const uint64_t delta = micros - previous_micros_;
    previous_micros_ = micros;
    return delta;
  }

  // Enough for every record's numbers; strings make room for themselves.
  static constexpr size_t kRoom = 64;
  void Begin() {
    cursor_ = out_->BeginWrite(kRoom);
    limit_ = cursor_ + kRoom;
  }

  ByteBuffer* out_;
  uint8_t* cursor_ = nullptr;
  uint8_t* limit_ = nullptr;
  uint64_t previous_addresses_[kAddressStreams] = {};
  uint32_t previous_stack_ = 0;
  uint64_t previous_micros_ = 0;
};

// Reads the records of one chunk payload.
class RecordDecoder {
 public:
  RecordDecoder(const uint8_t* data, size_t size) : cursor_(data), end_(data + size) {}

  // Calls `handler(record)` for each record, with the record's type from
  // records.h. Returns false at the first malformed record; error() says why.
  template <class Handler>
  bool Decode(Handler&& handler);

  bool GetHeader(Header* header) {
    header->Fields(*this);
    return ok_;
  }

  const std::string& error() const { return error_; }
  size_t remaining() const { return static_cast<size_t>(end_ - cursor_); }

  // Field visitors.
  void Varint(uint64_t& value) {
    if (ok_ && !GetVarint(&cursor_, end_, &value)) Fail("a number is cut short");
  }
  void Signed(int64_t& value) {
    uint64_t encoded = 0;
    Varint(encoded);
    value = UnZigZag(encoded);
  }
  void Address(uint64_t& address, size_t stream) {
    uint64_t encoded = 0;
    Varint(encoded);
    const int64_t delta =
        (encoded & 1) ? UnZigZag(encoded >> 1) : static_cast<int64_t>(UnZigZag(encoded >> 1) * 16);
    address = previous_addresses_[stream] + static_cast<uint64_t>(delta);
    previous_addresses_[stream] = address;
  }
  void StackRef(uint32_t& stack) {
    uint64_t encoded = 0;
    Varint(encoded);
    stack = static_cast<uint32_t>(static_cast<int64_t>(previous_stack_) + UnZigZag(encoded));
    previous_stack_ = stack;
  }
  void TimeDelta(uint64_t& micros) {
    uint64_t delta = 0;
    Varint(delta);
    micros = previous_micros_ + delta;
    previous_micros_ = micros;
  }
  void String(std::string& value) {
    uint64_t length = 0;
    Varint(length);
    if (!ok_) return;
    if (length > remaining()) return Fail("a string runs past the end of its chunk");
    value.assign(reinterpret_cast<const char*>(cursor_), length);
    cursor_ += length;
  }
  void Strings(std::vector<std::string>& values) {
    uint64_t count = 0;
    Varint(count);
    if (count > remaining()) return Fail("a list is longer than its chunk");
    values.resize(ok_ ? count : 0);
    for (std::string& value : values) String(value);
  }

 private:
  void Fail(const char* why) {
    if (ok_) error_ = why;
    ok_ = false;
  }
  template <class R, class Handler>
  bool One(uint8_t tag, Handler& handler) {
    R record{};
    if constexpr (requires { record.domain; }) {
      const uint8_t domain = tag >> kTagDomainShift;
      if (domain >= kNumDomains) {
        Fail("unknown allocator domain");
        return false;
      }
      record.domain = static_cast<Domain>(domain);
    }
    record.Fields(*this);
    if (ok_) handler(record);
    return ok_;
  }

  const uint8_t* cursor_;
  const uint8_t* end_;
  uint64_t previous_addresses_[kAddressStreams] = {};
  uint32_t previous_stack_ = 0;
  uint64_t previous_micros_ = 0;
  bool ok_ = true;
  std::string error_;
};

template <class Handler>
bool RecordDecoder::Decode(Handler&& handler) {
  while (cursor_ < end_) {
    const uint8_t tag = *cursor_++;
    bool ok;
    switch (static_cast<RecordType>(tag & kTagTypeMask)) {
      case RecordType::kAlloc:
        ok = One<Alloc>(tag, handler);
        break;
      case RecordType::kFree:
        ok = One<Free>(tag, handler);
        break;
      case RecordType::kRealloc:
        ok = One<Realloc>(tag, handler);
        break;
      case RecordType::kAllocWeighted:
        ok = One<AllocWeighted>(tag, handler);
        break;
      case RecordType::kThreadSwitch:
        ok = One<ThreadSwitch>(tag, handler);
        break;
      case RecordType::kTime:
        ok = One<Time>(tag, handler);
        break;
      case RecordType::kCode:
        ok = One<Code>(tag, handler);
        break;
      case RecordType::kFrame:
        ok = One<Frame>(tag, handler);
        break;
      case RecordType::kStack:
        ok = One<Stack>(tag, handler);
        break;
      case RecordType::kThreadStart:
        ok = One<ThreadStart>(tag, handler);
        break;
      case RecordType::kThreadName:
        ok = One<ThreadName>(tag, handler);
        break;
      case RecordType::kRss:
        ok = One<Rss>(tag, handler);
        break;
      case RecordType::kGcStart:
        ok = One<GcStart>(tag, handler);
        break;
      case RecordType::kGcStop:
        ok = One<GcStop>(tag, handler);
        break;
      case RecordType::kMark:
        ok = One<Mark>(tag, handler);
        break;
      case RecordType::kSnapshotRequest:
        ok = One<SnapshotRequest>(tag, handler);
        break;
      case RecordType::kFinalizing:
        ok = One<Finalizing>(tag, handler);
        break;
      case RecordType::kFork:
        ok = One<Fork>(tag, handler);
        break;
      case RecordType::kEnd:
        ok = One<End>(tag, handler);
        break;
      case RecordType::kLost:
        ok = One<Lost>(tag, handler);
        break;
      case RecordType::kPause:
        ok = One<Pause>(tag, handler);
        break;
      case RecordType::kResume:
        ok = One<Resume>(tag, handler);
        break;
      case RecordType::kExec:
        ok = One<Exec>(tag, handler);
        break;
      default:
        Fail("unknown record type");
        return false;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace arenatrace::trace

#endif  // ARENATRACE_CORE_TRACE_RECORD_CODEC_H_
