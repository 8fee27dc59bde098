#include "analyzer/model/text.h"

#include <cstdint>
#include <cstdio>

namespace arenatrace::analyzer {
namespace {

uint8_t ByteAt(std::string_view text, size_t i) { return static_cast<uint8_t>(text[i]); }

// The length of the valid UTF-8 sequence starting at text[i] (setting its
// code point), or 0.
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* code_point) {
  const uint8_t lead = ByteAt(text, i);
  size_t length;
  uint32_t cp;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((ByteAt(text, i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (ByteAt(text, i + k) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if ((length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    return 0;
  }
  *code_point = cp;
  return length;
}

// Whether text[i..] is the encoded surrogate U+DC80-U+DCFF that CPython's
// surrogateescape makes of the undecodable byte 0x80-0xFF; sets the byte.
bool EscapedByte(std::string_view text, size_t i, uint8_t* byte) {
  if (i + 3 > text.size() || ByteAt(text, i) != 0xED) return false;
  const uint8_t b1 = ByteAt(text, i + 1), b2 = ByteAt(text, i + 2);
  if ((b1 != 0xB2 && b1 != 0xB3) || (b2 & 0xC0) != 0x80) return false;
  *byte = static_cast<uint8_t>(0x80 | ((b1 & 0x01) << 6) | (b2 & 0x3F));
  return true;
}

// The length of an encoded surrogate (any, U+D800-U+DFFF) at text[i], or 0.
size_t SurrogateLength(std::string_view text, size_t i) {
  if (i + 3 > text.size() || ByteAt(text, i) != 0xED) return 0;
  const uint8_t b1 = ByteAt(text, i + 1), b2 = ByteAt(text, i + 2);
  return b1 >= 0xA0 && b1 <= 0xBF && (b2 & 0xC0) == 0x80 ? 3 : 0;
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
    const uint8_t c = ByteAt(text, i);
    uint32_t code_point = 0;
    uint8_t byte = 0;
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
    } else if (const size_t length = DecodeUtf8(text, i, &code_point); length > 0) {
      if (code_point >= 0x80 && code_point <= 0x9F) {
        // A C1 control (0x9B is CSI, like ESC [): its bytes one by one.
        for (size_t k = 0; k < length; ++k) AppendEscaped(&out, ByteAt(text, i + k));
      } else {
        out.append(text.substr(i, length));
      }
      i += length;
    } else if (EscapedByte(text, i, &byte)) {
      AppendEscaped(&out, byte);
      i += 3;
    } else {
      AppendEscaped(&out, c);
      ++i;
    }
  }
  return out;
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t code_point = 0;
    if (const size_t length = DecodeUtf8(text, i, &code_point); length > 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out.append("\xef\xbf\xbd");  // U+FFFD, once per undecodable byte
      const size_t surrogate = SurrogateLength(text, i);
      i += surrogate > 0 ? surrogate : 1;
    }
  }
  return out;
}

}  // namespace arenatrace::analyzer
