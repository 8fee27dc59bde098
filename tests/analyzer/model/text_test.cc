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
  EXPECT_EQ(Printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate of no byte
  EXPECT_EQ(Printable("\xc3"), "\\xc3");                    // cut short
  EXPECT_EQ(Printable("\xc0\xaf"), "\\xc0\\xaf");           // overlong
}

// CPython keeps an undecodable byte of a path (b"\xff") as the surrogate
// U+DCFF, which the recorder stores encoded (ED B3 BF): shown as the byte.
TEST(PrintableTest, SurrogateEscapesShowTheProgramsByte) {
  EXPECT_EQ(Printable("/tmp/app\xed\xb3\xbf.py"), "/tmp/app\\xff.py");
  EXPECT_EQ(Printable("\xed\xb2\x80"), "\\x80");
  EXPECT_EQ(Printable("\xed\xb3"), "\\xed\\xb3");  // cut short: not a surrogate
}

TEST(ValidUtf8Test, EachUndecodableByteBecomesOneReplacementCharacter) {
  const std::string kReplacement = "\xef\xbf\xbd";
  EXPECT_EQ(ValidUtf8("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(ValidUtf8("a\x1b[2J\n"), "a\x1b[2J\n");  // JSON escapes controls itself
  EXPECT_EQ(ValidUtf8("app\xff.py"), "app" + kReplacement + ".py");
  EXPECT_EQ(ValidUtf8("app\xed\xb3\xbf.py"), "app" + kReplacement + ".py");
  EXPECT_EQ(ValidUtf8("\xed\xa0\x80"), kReplacement);
  EXPECT_EQ(ValidUtf8("\xc0\xaf"), kReplacement + kReplacement);
  EXPECT_EQ(ValidUtf8("\xe2\x82"), kReplacement + kReplacement);
  EXPECT_EQ(ValidUtf8("\xf4\x90\x80\x80"),  // past U+10FFFF
            kReplacement + kReplacement + kReplacement + kReplacement);
}

}  // namespace
}  // namespace arenatrace::analyzer
