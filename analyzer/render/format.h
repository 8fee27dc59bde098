// Number and name formatting shared by the text renderers.
#ifndef ARENATRACE_ANALYZER_RENDER_FORMAT_H_
#define ARENATRACE_ANALYZER_RENDER_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/analyses/stack_profile.h"

namespace arenatrace::analyzer {

// "512 B", "1.5 KiB", "12.3 MiB", "2.01 GiB"; negative with a minus sign.
std::string Bytes(int64_t bytes);
// "+1.5 KiB" / "-1.5 KiB" / "0 B".
std::string SignedBytes(int64_t bytes);
// "1.234 s".
std::string Seconds(uint64_t micros);
// "12.3%" of `total` (empty when total is 0).
std::string Share(int64_t part, int64_t total);
// "function (file:line)", printable (model/text.h).
std::string FrameLabel(const ProfileFrame& frame);
// The tracemalloc domain numbers of traced blocks: "tracemalloc domain
// 389047 (numpy)", "tracemalloc domains 7, 389047 (numpy)".
std::string TracedDomainsText(const std::vector<uint64_t>& numbers);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_FORMAT_H_
