// Encoding and decoding of records (records.h) to and from chunk payloads.
#ifndef ARENATRACE_CORE_TRACE_RECORD_CODEC_H_
#define ARENATRACE_CORE_TRACE_RECORD_CODEC_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "core/trace/byte_buffer.h"
#include "core/trace/chunk_streams.h"
#include "core/trace/records.h"
#include "core/trace/varint.h"

namespace arenatrace::trace {

// Records whose fields are all numbers (at most 5, with at most 2 addresses):
// the encoder writes them with one room check, the decoder reads them with
// one bound check.
template <class R>
inline constexpr bool kNumbersOnlyRecord =
    std::is_same_v<R, Alloc> || std::is_same_v<R, Free> || std::is_same_v<R, Realloc> ||
    std::is_same_v<R, AllocWeighted> || std::is_same_v<R, Time> ||
    std::is_same_v<R, ThreadSwitch> || std::is_same_v<R, Frame> || std::is_same_v<R, Stack>;
inline constexpr size_t kMaxNumbersOnlyFields = 5;
inline constexpr size_t kMaxNumbersOnlyAddresses = 2;

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
  // Written without a room check per field (they fit in kRoom).
  template <class R>
  static constexpr bool kNumbersOnly = kNumbersOnlyRecord<R>;

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

// Calls `visit.template operator()<R>()` with the record type R that `tag`
// names, and returns its result; false for an unknown type.
template <class Visit>
bool DispatchRecordType(uint8_t tag, Visit&& visit) {
  switch (static_cast<RecordType>(tag & kTagTypeMask)) {
    case RecordType::kAlloc:
      return visit.template operator()<Alloc>();
    case RecordType::kFree:
      return visit.template operator()<Free>();
    case RecordType::kRealloc:
      return visit.template operator()<Realloc>();
    case RecordType::kAllocWeighted:
      return visit.template operator()<AllocWeighted>();
    case RecordType::kThreadSwitch:
      return visit.template operator()<ThreadSwitch>();
    case RecordType::kTime:
      return visit.template operator()<Time>();
    case RecordType::kCode:
      return visit.template operator()<Code>();
    case RecordType::kFrame:
      return visit.template operator()<Frame>();
    case RecordType::kStack:
      return visit.template operator()<Stack>();
    case RecordType::kThreadStart:
      return visit.template operator()<ThreadStart>();
    case RecordType::kThreadName:
      return visit.template operator()<ThreadName>();
    case RecordType::kRss:
      return visit.template operator()<Rss>();
    case RecordType::kGcStart:
      return visit.template operator()<GcStart>();
    case RecordType::kGcStop:
      return visit.template operator()<GcStop>();
    case RecordType::kMark:
      return visit.template operator()<Mark>();
    case RecordType::kSnapshotRequest:
      return visit.template operator()<SnapshotRequest>();
    case RecordType::kFinalizing:
      return visit.template operator()<Finalizing>();
    case RecordType::kFork:
      return visit.template operator()<Fork>();
    case RecordType::kEnd:
      return visit.template operator()<End>();
    case RecordType::kLost:
      return visit.template operator()<Lost>();
    case RecordType::kPause:
      return visit.template operator()<Pause>();
    case RecordType::kResume:
      return visit.template operator()<Resume>();
    case RecordType::kExec:
      return visit.template operator()<Exec>();
    case RecordType::kSnapshotStart:
      return visit.template operator()<SnapshotStart>();
    case RecordType::kSnapshotName:
      return visit.template operator()<SnapshotName>();
    case RecordType::kSnapshotObject:
      return visit.template operator()<SnapshotObject>();
    case RecordType::kSnapshotEdge:
      return visit.template operator()<SnapshotEdge>();
    case RecordType::kSnapshotBuffer:
      return visit.template operator()<SnapshotBuffer>();
    case RecordType::kSnapshotRoot:
      return visit.template operator()<SnapshotRoot>();
    case RecordType::kSnapshotEnd:
      return visit.template operator()<SnapshotEnd>();
    default:
      return false;
  }
}

// Reads the records of one records chunk's payload (chunk_streams.h), or the
// fields of a header chunk.
class RecordDecoder {
 public:
  enum class Payload { kRecords, kHeader };
  RecordDecoder(const uint8_t* data, size_t size, Payload payload = Payload::kRecords)
      : cursor_(data), end_(data + size) {
    if (payload == Payload::kHeader) return;
    ChunkStreamSpans spans;
    if (!SplitChunkStreams(data, size, &spans)) {
      end_ = cursor_;
      Fail("the sizes of its streams do not fit the chunk");
      return;
    }
    cursor_ = spans.records;
    end_ = spans.records_end;
    addresses_ = spans.addresses;
    addresses_end_ = spans.addresses_end;
  }

  // Calls `handler(record)` for each record, with the record's type from
  // records.h. Returns false at the first malformed record; error() says why.
  // A handler may return bool: false rejects the record (it is impossible in
  // a well-formed trace, e.g. it refers to an undefined stack), and decoding
  // stops with the reason the handler gave through Reject().
  template <class Handler>
  bool Decode(Handler&& handler);

  // For a handler that returns false: why it rejected the record.
  void Reject(const std::string& why) {
    if (ok_) error_ = why;
    ok_ = false;
  }

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
    if (ok_ && !GetVarint(&addresses_, addresses_end_, &encoded)) Fail("an address is cut short");
    address = previous_addresses_[stream] + DeltaOf(encoded);
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
  // The numbers of a numbers-only record, when the streams hold enough
  // bytes for the longest one: one bound check per record, not per byte.
  struct UncheckedReader {
    RecordDecoder* d;
    bool ok = true;
    void Varint(uint64_t& value) { ok &= GetVarintUnchecked(&d->cursor_, &value); }
    void Signed(int64_t& value) {
      uint64_t encoded = 0;
      Varint(encoded);
      value = UnZigZag(encoded);
    }
    void Address(uint64_t& address, size_t stream) {
      uint64_t encoded = 0;
      ok &= GetVarintUnchecked(&d->addresses_, &encoded);
      address = d->previous_addresses_[stream] + DeltaOf(encoded);
      d->previous_addresses_[stream] = address;
    }
    void StackRef(uint32_t& stack) {
      uint64_t encoded = 0;
      Varint(encoded);
      stack = static_cast<uint32_t>(static_cast<int64_t>(d->previous_stack_) + UnZigZag(encoded));
      d->previous_stack_ = stack;
    }
    void TimeDelta(uint64_t& micros) {
      uint64_t delta = 0;
      Varint(delta);
      micros = d->previous_micros_ + delta;
      d->previous_micros_ = micros;
    }
  };
  static uint64_t DeltaOf(uint64_t encoded) {
    // Unsigned arithmetic: a damaged delta wraps instead of overflowing.
    const uint64_t delta = static_cast<uint64_t>(UnZigZag(encoded >> 1));
    return (encoded & 1) ? delta : delta * 16;
  }
  bool RoomForUncheckedRecord() const {
    return end_ - cursor_ >= static_cast<ptrdiff_t>(kMaxNumbersOnlyFields * kMaxVarintBytes) &&
           addresses_end_ - addresses_ >=
               static_cast<ptrdiff_t>(kMaxNumbersOnlyAddresses * kMaxVarintBytes);
  }

  // A record of an allocator domain carries it in its tag.
  template <class R>
  bool DomainFromTag(uint8_t tag, R& record) {
    if constexpr (requires { record.domain; }) {
      const uint8_t domain = tag >> kTagDomainShift;
      if (domain >= kNumDomains) {
        Fail("unknown allocator domain");
        return false;
      }
      record.domain = static_cast<Domain>(domain);
    }
    return true;
  }
  // A handler may refuse a record (returning false) where it is impossible.
  template <class R, class Handler>
  bool Hand(R& record, Handler& handler) {
    if constexpr (std::is_same_v<decltype(handler(record)), bool>) {
      if (!handler(record) && ok_) Fail("a record the reader refused");
    } else {
      handler(record);
    }
    return ok_;
  }

  // Inlined: in the decoding loop for allocations and frees (a call per
  // record cost as much as decoding its numbers), in the dispatch otherwise.
  template <class R, class Handler>
  __attribute__((always_inline)) bool One(uint8_t tag, Handler& handler) {
    if constexpr (kNumbersOnlyRecord<R>) {
      if (__builtin_expect(RoomForUncheckedRecord(), 1)) return OneUnchecked<R>(tag, handler);
    }
    R record{};
    if (!DomainFromTag(tag, record)) return false;
    record.Fields(*this);
    if (!ok_) return false;
    return Hand(record, handler);
  }

  template <class R, class Handler>
  __attribute__((always_inline)) bool OneUnchecked(uint8_t tag, Handler& handler) {
    R record{};
    if (!DomainFromTag(tag, record)) return false;
    UncheckedReader reader{this};
    record.Fields(reader);
    if (!reader.ok) {
      Fail("a number longer than 10 bytes");
      return false;
    }
    // RoomForUncheckedRecord left room for the longest record: neither
    // stream was read past its end.
    return Hand(record, handler);
  }

  const uint8_t* cursor_;  // the records stream
  const uint8_t* end_;
  const uint8_t* addresses_ = nullptr;
  const uint8_t* addresses_end_ = nullptr;
  uint64_t previous_addresses_[kAddressStreams] = {};
  uint32_t previous_stack_ = 0;
  uint64_t previous_micros_ = 0;
  bool ok_ = true;
  std::string error_;
};

template <class Handler>
bool RecordDecoder::Decode(Handler&& handler) {
  if (!ok_) return false;
  while (cursor_ < end_) {
    const uint8_t tag = *cursor_++;
    // Allocations and frees are nearly every record: decoded here, inline,
    // rather than through the dispatch over every type, which is too large
    // to inline and cost a call (and its register saves) per record.
    switch (static_cast<RecordType>(tag & kTagTypeMask)) {
      case RecordType::kAlloc:
        One<Alloc>(tag, handler);
        break;
      case RecordType::kFree:
        One<Free>(tag, handler);
        break;
      default:
        if (!DispatchRecordType(tag, [&]<class R>() {
              One<R>(tag, handler);
              return true;
            })) {
          Fail("unknown record type");
        }
    }
    if (!ok_) return false;
  }
  if (addresses_ != addresses_end_) {
    Fail("addresses left over after the last record");
    return false;
  }
  return true;
}

// Rewrites records as the encoder wrote them (one stream, fields in record
// order) into the streams of a chunk payload (chunk_streams.h), moving bytes
// without decoding the numbers. The writer thread does this before
// compressing a chunk, so that the program's threads write one stream.
// Returns false when `rows` is malformed.
class RecordTransposer {
 public:
  static bool Transpose(const uint8_t* rows, size_t size, ChunkStreams* out) {
    out->clear();
    RecordTransposer transposer(rows, size, out);
    while (transposer.ok_ && transposer.cursor_ < transposer.end_) {
      const uint8_t tag = *transposer.cursor_++;
      *transposer.records_++ = tag;
      transposer.ok_ = DispatchRecordType(tag, [&]<class R>() {
        R record{};
        // The domain decides whether a traced block's extra field follows.
        if constexpr (requires { record.domain; }) {
          record.domain = static_cast<Domain>(tag >> kTagDomainShift);
        }
        record.Fields(transposer);
        return transposer.ok_;
      });
    }
    out->records.EndWrite(transposer.records_);
    out->addresses.EndWrite(transposer.addresses_);
    return transposer.ok_;
  }

  // Field visitors: each copies its field's bytes to its stream.
  void Varint(uint64_t&) { Copy(&records_); }
  void Signed(int64_t&) { Copy(&records_); }
  void StackRef(uint32_t&) { Copy(&records_); }
  void TimeDelta(uint64_t&) { Copy(&records_); }
  void Address(uint64_t&, size_t) { Copy(&addresses_); }
  void String(std::string&) {
    const uint64_t length = Copy(&records_);
    if (!ok_ || length > static_cast<uint64_t>(end_ - cursor_)) {
      ok_ = false;
      return;
    }
    memcpy(records_, cursor_, length);
    records_ += length;
    cursor_ += length;
  }
  void Strings(std::vector<std::string>&) {
    std::string ignored;
    for (uint64_t count = Copy(&records_); ok_ && count > 0; --count) String(ignored);
  }

 private:
  // Both streams together are never longer than the rows.
  RecordTransposer(const uint8_t* rows, size_t size, ChunkStreams* out)
      : cursor_(rows),
        end_(rows + size),
        records_(out->records.BeginWrite(size)),
        addresses_(out->addresses.BeginWrite(size)) {}

  // Copies one varint; returns its value. (A byte loop, not memcpy: a call
  // per field, for one to three bytes, made transposing three times as slow.)
  uint64_t Copy(uint8_t** to) {
    const uint8_t* start = cursor_;
    uint64_t value = 0;
    if (!GetVarint(&cursor_, end_, &value)) {
      ok_ = false;  // cut short, or longer than 10 bytes
      return 0;
    }
    for (const uint8_t* byte = start; byte < cursor_; ++byte) *(*to)++ = *byte;
    return value;
  }

  const uint8_t* cursor_;
  const uint8_t* end_;
  uint8_t* records_;
  uint8_t* addresses_;
  bool ok_ = true;
};

}  // namespace arenatrace::trace

#endif  // ARENATRACE_CORE_TRACE_RECORD_CODEC_H_
