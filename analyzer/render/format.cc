#include "analyzer/render/format.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analyzer/model/text.h"
#include "core/trace/records.h"

namespace arenatrace::analyzer {

std::string Bytes(int64_t bytes) {
  const char* sign = bytes < 0 ? "-" : "";
  const uint64_t b = bytes < 0 ? static_cast<uint64_t>(-(bytes + 1)) + 1 : bytes;
  if (b < 1024) return absl::StrCat(sign, b, " B");
  if (b < 1024 * 1024) return absl::StrFormat("%s%.1f KiB", sign, b / 1024.0);
  if (b < uint64_t{1} << 30) return absl::StrFormat("%s%.1f MiB", sign, b / 1048576.0);
  return absl::StrFormat("%s%.2f GiB", sign, b / 1073741824.0);
}

std::string SignedBytes(int64_t bytes) {
  return bytes > 0 ? absl::StrCat("+", Bytes(bytes)) : Bytes(bytes);
}

std::string Seconds(uint64_t micros) { return absl::StrFormat("%.3f s", micros / 1e6); }

std::string Share(int64_t part, int64_t total) {
  if (total == 0) return "";
  return absl::StrFormat("%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(total));
}

std::string FrameLabel(const ProfileFrame& frame) {
  if (frame.file.empty()) return Printable(frame.function);
  return Printable(absl::StrCat(frame.function, " (", frame.file, ":", frame.line, ")"));
}

std::string TracedDomainsText(const std::vector<uint64_t>& numbers) {
  std::string out = numbers.size() == 1 ? "tracemalloc domain " : "tracemalloc domains ";
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (i > 0) absl::StrAppend(&out, ", ");
    absl::StrAppend(&out, numbers[i]);
    const char* owner = trace::TracedDomainOwner(numbers[i]);
    if (owner != nullptr) absl::StrAppend(&out, " (", owner, ")");
  }
  return out;
}

}  // namespace arenatrace::analyzer
