// Strings from a trace are made safe to print: no terminal control, no
// broken layout, every byte still visible.
#include "analyzer/model/text.h"

#include <gtest/gtest.h>

namespace arenatrace::analyzer {
namespace {

TEST(PrintableTest, ValidUtf8IsKept) {
  EXPECT_EQ(Printable("app.py"), "app.py");
  EXPECT_EQ(Printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d");
}

TEST(PrintableTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(Printable("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(Printable("\x1b[31mred"), "\\x1b[31mred");  // a terminal escape sequence
  EXPECT_EQ(Printable("\x7f"), "\\x7f");
  EXPECT_EQ(Printable("\xc2\x9b"), "\\xc2\\x9b");  // C1 CSI
}

TEST(PrintableTest, InvalidBytesAreEscapedOneByOne) {
  EXPECT_EQ(Printable("/tmp/\xff.py"), "/tmp/\\xff.py");
  EXPECT_EQ(Printable("\xed\xb3\xbf"),
            "\\xed\\xb3\\xbf");                    // a surrogate (CPython's surrogateescape)
  EXPECT_EQ(Printable("\xc3"), "\\xc3");           // cut short
  EXPECT_EQ(Printable("\xc0\xaf"), "\\xc0\\xaf");  // overlong
}

}  // namespace
}  // namespace arenatrace::analyzer
