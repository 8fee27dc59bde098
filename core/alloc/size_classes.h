// Size classes of the small-object allocator.
//
// Requests of 0..512 bytes are rounded up to a multiple of 16 bytes, giving 32
// classes: class c serves blocks of (c + 1) * 16 bytes. 16 bytes is the
// alignment CPython (and the x86-64 ABI for max_align_t) expects of
// PyObject_Malloc; 512 is pymalloc's threshold, kept so that the split between
// "small" and "large" objects matches what Python users know.
#ifndef ARENATRACE_CORE_ALLOC_SIZE_CLASSES_H_
#define ARENATRACE_CORE_ALLOC_SIZE_CLASSES_H_

#include <cstddef>
#include <cstdint>

namespace arenatrace::alloc {

inline constexpr size_t kAlignment = 16;
inline constexpr size_t kMaxSmallSize = 512;
inline constexpr unsigned kNumSizeClasses = kMaxSmallSize / kAlignment;

// A request of 0 bytes gets a block of class 0: a unique, non-NULL pointer,
// as pymalloc promises for PyObject_Malloc(0).
inline constexpr unsigned SizeClassOf(size_t size) {
  return size == 0 ? 0 : static_cast<unsigned>((size - 1) / kAlignment);
}

inline constexpr size_t BlockSizeOf(unsigned size_class) {
  return (static_cast<size_t>(size_class) + 1) * kAlignment;
}

inline constexpr bool IsSmall(size_t size) { return size <= kMaxSmallSize; }

static_assert(SizeClassOf(0) == 0 && SizeClassOf(1) == 0 && SizeClassOf(16) == 0);
static_assert(SizeClassOf(17) == 1 && SizeClassOf(512) == kNumSizeClasses - 1);
static_assert(BlockSizeOf(kNumSizeClasses - 1) == kMaxSmallSize);

}  // namespace arenatrace::alloc

#endif  // ARENATRACE_CORE_ALLOC_SIZE_CLASSES_H_
