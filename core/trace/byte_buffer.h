// A growable byte buffer that the record encoder writes into in place: room
// for a whole record is made once, then its bytes are stored directly (a
// std::vector would check and copy per append, on every allocation event).
#ifndef ARENATRACE_CORE_TRACE_BYTE_BUFFER_H_
#define ARENATRACE_CORE_TRACE_BYTE_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace arenatrace::trace {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ~ByteBuffer() { free(data_); }

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  void swap(ByteBuffer& other) {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

  void reserve(size_t capacity) {
    if (capacity <= capacity_) return;
    void* grown = realloc(data_, capacity);
    if (grown == nullptr) abort();  // out of memory: as operator new would end it
    data_ = static_cast<uint8_t*>(grown);
    capacity_ = capacity;
  }

  // Where the next `room` bytes may be written; EndWrite then says how far
  // they were.
  uint8_t* BeginWrite(size_t room) {
    if (__builtin_expect(capacity_ - size_ < room, 0)) reserve(2 * capacity_ + room);
    return data_ + size_;
  }
  void EndWrite(const uint8_t* end) { size_ = static_cast<size_t>(end - data_); }

  void Append(const void* bytes, size_t count) {
    if (count == 0) return;
    memcpy(BeginWrite(count), bytes, count);
    size_ += count;
  }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace arenatrace::trace

#endif  // ARENATRACE_CORE_TRACE_BYTE_BUFFER_H_
