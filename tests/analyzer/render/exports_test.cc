// The standard formats: folded stacks parse back to the same stacks and
// values; pprof has the four sample types in pprof's order and the same
// values (read back with the protobuf library); JSON never throws on bytes
// that are not UTF-8.
#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "analyzer/render/folded.h"
#include "analyzer/render/json_report.h"
#include "analyzer/render/pprof.h"
#include "analyzer/render/speedscope.h"
#include "profile.pb.h"

namespace arenatrace::analyzer {
namespace {

StackProfile Sample() {
  StackProfile p;
  p.measure = "live at the heap's peak";
  const uint32_t main = p.Child(0, p.InternFrame({"main", "/srv/app.py", 10, 1}));
  const uint32_t f = p.Child(main, p.InternFrame({"f;g", "/srv/app.py", 20, 15}));
  const uint32_t h = p.Child(main, p.InternFrame({"h", "/srv/lib\n.py", 30, 29}));
  p.AddSelf(f, {1000, 10, 4000, 40});
  p.AddSelf(h, {24, 1, 24, 1});
  p.AddSelf(main, {8, 1, 8, 1});
  return p;
}

TEST(FoldedTest, ParsesBackToTheSameStacks) {
  const std::string text = FoldedText(Sample(), {});
  std::map<std::string, int64_t> stacks;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const size_t space = line.rfind(' ');
    int64_t value = 0;
    ASSERT_TRUE(absl::SimpleAtoi(line.substr(space + 1), &value)) << line;
    stacks[std::string(line.substr(0, space))] = value;
  }
  EXPECT_EQ(stacks,
            (std::map<std::string, int64_t>{{"main (/srv/app.py:10)", 8},
                                            {"main (/srv/app.py:10);f,g (/srv/app.py:20)", 1000},
                                            {"main (/srv/app.py:10);h (/srv/lib\\n.py:30)", 24}}));
  const std::string inverted = FoldedText(Sample(), {true, true});
  EXPECT_NE(inverted.find("f,g (/srv/app.py:20);main (/srv/app.py:10) 10\n"), std::string::npos)
      << inverted;
}

TEST(PprofTest, FourSampleTypesInPprofsOrder) {
  std::string bytes, error;
  ASSERT_TRUE(PprofBytes(Sample(), 1700000000000000, 2000000, &bytes, &error)) << error;
  google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::GzipInputStream gzip(&raw);
  perftools::profiles::Profile p;
  ASSERT_TRUE(p.ParseFromZeroCopyStream(&gzip));
  ASSERT_EQ(p.sample_type_size(), 4);
  std::vector<std::string> types;
  for (const auto& t : p.sample_type()) types.push_back(p.string_table(t.type()));
  EXPECT_EQ(types, (std::vector<std::string>{"alloc_objects", "alloc_space", "inuse_objects",
                                             "inuse_space"}));
  EXPECT_EQ(p.string_table(0), "");
  ASSERT_EQ(p.sample_size(), 3);
  int64_t inuse = 0, alloc = 0;
  for (const auto& s : p.sample()) {
    alloc += s.value(1);
    inuse += s.value(3);
    // Leaf first: the first location's function is the sample's own.
    const auto& leaf = p.location(static_cast<int>(s.location_id(0) - 1));
    const auto& function = p.function(static_cast<int>(leaf.line(0).function_id() - 1));
    if (s.value(3) == 1000) {
      EXPECT_EQ(p.string_table(function.name()), "f;g");
      EXPECT_EQ(leaf.line(0).line(), 20);
      EXPECT_EQ(function.start_line(), 15);
      EXPECT_EQ(s.location_id_size(), 2);
    }
  }
  EXPECT_EQ(inuse, 1032);
  EXPECT_EQ(alloc, 4032);
  EXPECT_EQ(p.time_nanos(), 1700000000000000000);
}

TEST(SpeedscopeTest, TwoSampledProfilesOverSharedFrames) {
  const nlohmann::json file = nlohmann::json::parse(SpeedscopeJson(Sample(), "t"));
  EXPECT_EQ(file["$schema"], "https://www.speedscope.app/file-format-schema.json");
  ASSERT_EQ(file["profiles"].size(), 2u);
  EXPECT_EQ(file["profiles"][0]["unit"], "bytes");
  EXPECT_EQ(file["profiles"][0]["endValue"], 1032);
  EXPECT_EQ(file["profiles"][1]["endValue"], 12);
  EXPECT_EQ(file["shared"]["frames"].size(), 3u);
}

TEST(JsonTest, BytesThatAreNotUtf8DoNotThrow) {
  StackProfile p;
  p.AddSelf(p.Child(0, p.InternFrame({"f", "/tmp/\xff\xfe.py", 1, 1})), {1, 1, 1, 1});
  nlohmann::json report = ProfileJson(p, {});
  report["argv"] = {"python3", "/tmp/\xff.py", "\xed\xb3\xbf"};
  std::string text;
  ASSERT_NO_THROW(text = JsonText(report));
  const nlohmann::json back = nlohmann::json::parse(text);
  EXPECT_EQ(back["argv"][1], "/tmp/\xef\xbf\xbd.py");  // U+FFFD
}

}  // namespace
}  // namespace arenatrace::analyzer
