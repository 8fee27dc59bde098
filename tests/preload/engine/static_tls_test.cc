#include "preload/engine/static_tls.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

// A thread-local of this executable, which is in static TLS like the
// libpython of a `python` executable. Not static: it must be in the symbol
// table under this name.
__thread long arenatrace_static_tls_probe = 42;

namespace arenatrace::preload {
namespace {

uintptr_t ThreadPointer() {
  uintptr_t pointer;
  __asm__("mov %%fs:0, %0" : "=r"(pointer));
  return pointer;
}

void AnchorInThisExecutable() {}

TEST(StaticTlsTest, FindsAThreadLocalAtTheSameOffsetInEveryThread) {
  const auto* anchor = reinterpret_cast<const void*>(&AnchorInThisExecutable);
  const std::optional<long> offset = ThreadLocalOffset(anchor, "arenatrace_static_tls_probe");
  ASSERT_TRUE(offset.has_value());
  EXPECT_EQ(ThreadPointer() + *offset, reinterpret_cast<uintptr_t>(&arenatrace_static_tls_probe));
  std::thread other([&] {
    arenatrace_static_tls_probe = 7;
    EXPECT_EQ(ThreadLocalOffset(anchor, "arenatrace_static_tls_probe"), offset);
    EXPECT_EQ(*reinterpret_cast<long*>(ThreadPointer() + *offset), 7);
  });
  other.join();
  EXPECT_EQ(arenatrace_static_tls_probe, 42);
}

TEST(StaticTlsTest, UnknownSymbolsAndAddressesFindNothing) {
  const auto* anchor = reinterpret_cast<const void*>(&AnchorInThisExecutable);
  EXPECT_FALSE(ThreadLocalOffset(anchor, "no_such_thread_local").has_value());
  EXPECT_FALSE(ThreadLocalOffset(anchor, "AnchorInThisExecutable").has_value());  // not TLS
  int on_the_stack = 0;
  EXPECT_FALSE(ThreadLocalOffset(&on_the_stack, "arenatrace_static_tls_probe").has_value());
}

}  // namespace
}  // namespace arenatrace::preload
