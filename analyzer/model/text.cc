#include "analyzer/model/text.h"

#include <cstdint>
#include <cstdio>

namespace arenatrace::analyzer {
namespace {

// The length of the valid UTF-8 sequence starting at text[i], or 0.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  size_t length;
  uint32_t code_point;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if ((length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000) ||
      (code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF) {
    return 0;
  }
  // C1 controls (U+0080-U+009F) are escaped like C0 ones.
  if (code_point >= 0x80 && code_point <= 0x9F) return 0;
  return length;
}

void AppendEscaped(std::string* out, uint8_t byte) {
  char escaped[8];
  snprintf(escaped, sizeof escaped, "\\x%02x", byte);
  out->append(escaped);
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const uint8_t c = static_cast<uint8_t>(text[i]);
    if (c == '\n') {
      out.append("\\n");
      ++i;
    } else if (c == '\t') {
      out.append("\\t");
      ++i;
    } else if (c == '\r') {
      out.append("\\r");
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      AppendEscaped(&out, c);
      ++i;
    } else if (const size_t length = Utf8SequenceLength(text, i); length > 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      // Invalid, or a C1 control: escape its bytes one by one.
      const bool c1_control = c == 0xC2 && i + 1 < text.size() &&
                              static_cast<uint8_t>(text[i + 1]) >= 0x80 &&
                              static_cast<uint8_t>(text[i + 1]) <= 0x9F;
      const size_t end = c1_control ? i + 2 : i + 1;
      for (; i < end; ++i) AppendEscaped(&out, static_cast<uint8_t>(text[i]));
    }
  }
  return out;
}

}  // namespace arenatrace::analyzer
