#include "analyzer/render/speedscope.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "analyzer/render/json_report.h"

namespace arenatrace::analyzer {

std::string SpeedscopeJson(const StackProfile& profile, const std::string& name) {
  using nlohmann::json;
  json frames = json::array();
  for (const ProfileFrame& frame : profile.frames()) {
    json f = {{"name", frame.function}};
    if (!frame.file.empty()) {
      f["file"] = frame.file;
      f["line"] = frame.line;
    }
    frames.push_back(f);
  }
  json samples = json::array();
  json bytes = json::array();
  json counts = json::array();
  int64_t total_bytes = 0, total_count = 0;
  const auto& nodes = profile.nodes();
  for (uint32_t i = 1; i < nodes.size(); ++i) {
    const ProfileValues& self = nodes[i].self;
    // speedscope's weights are non-negative: a diff's shrinking stacks are left out.
    if (self.bytes <= 0 && self.count <= 0) continue;
    std::vector<uint32_t> stack = profile.FramesOf(i);
    std::reverse(stack.begin(), stack.end());  // outermost first
    samples.push_back(stack);
    bytes.push_back(std::max<int64_t>(self.bytes, 0));
    counts.push_back(std::max<int64_t>(self.count, 0));
    total_bytes += std::max<int64_t>(self.bytes, 0);
    total_count += std::max<int64_t>(self.count, 0);
  }
  auto sampled = [&](const std::string& what, const char* unit, const json& weights,
                     int64_t total) {
    return json{{"type", "sampled"}, {"name", absl::StrCat(name, ": ", what)},
                {"unit", unit},      {"startValue", 0},
                {"endValue", total}, {"samples", samples},
                {"weights", weights}};
  };
  json file = {
      {"$schema", "https://www.speedscope.app/file-format-schema.json"},
      {"name", name},
      {"exporter", "arenatrace"},
      {"activeProfileIndex", 0},
      {"shared", {{"frames", frames}}},
      {"profiles",
       {sampled(absl::StrCat("bytes ", profile.measure), "bytes", bytes, total_bytes),
        sampled(absl::StrCat("blocks ", profile.measure), "none", counts, total_count)}},
  };
  return JsonText(file);
}

}  // namespace arenatrace::analyzer
