// Counters kept per stack of a trace, growing as stacks are defined.
#ifndef ARENATRACE_ANALYZER_ANALYSES_PER_STACK_H_
#define ARENATRACE_ANALYZER_ANALYSES_PER_STACK_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "analyzer/model/ids.h"

namespace arenatrace::analyzer {

struct Amount {
  int64_t bytes = 0;
  int64_t count = 0;
  void Add(uint64_t b, uint64_t c) {
    bytes += static_cast<int64_t>(b);
    count += static_cast<int64_t>(c);
  }
  void Remove(uint64_t b, uint64_t c) {
    bytes -= static_cast<int64_t>(b);
    count -= static_cast<int64_t>(c);
  }
  bool empty() const { return bytes == 0 && count == 0; }
};

template <class T, class IdType = StackId>
class PerId {
 public:
  T& operator[](IdType id) {
    if (__builtin_expect(id.index() >= values_.size(), 0)) Grow(id.index());
    return values_[id.index()];
  }
  const T* Find(IdType id) const {
    return id.index() < values_.size() ? &values_[id.index()] : nullptr;
  }
  size_t size() const { return values_.size(); }
  std::vector<T>& values() { return values_; }
  const std::vector<T>& values() const { return values_; }

 private:
  __attribute__((noinline)) void Grow(size_t index) {
    values_.resize(std::max(index + 1, values_.size() * 2));
  }
  std::vector<T> values_;
};

template <class T>
using PerStack = PerId<T, StackId>;

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_ANALYSES_PER_STACK_H_
