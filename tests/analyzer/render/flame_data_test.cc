// The flame graph's data: pruning merges narrow nodes into their parents
// without losing a byte, and frames and strings are stored once.
#include "analyzer/render/flame_data.h"

#include <gtest/gtest.h>

namespace arenatrace::analyzer {
namespace {

TEST(FlameDataTest, NarrowNodesMergeIntoTheirParent) {
  StackProfile profile;
  const uint32_t main = profile.Child(0, profile.InternFrame({"main", "a.py", 1, 1}));
  const uint32_t big = profile.Child(main, profile.InternFrame({"big", "a.py", 10, 9}));
  const uint32_t small = profile.Child(main, profile.InternFrame({"small", "a.py", 20, 19}));
  const uint32_t under_small =
      profile.Child(small, profile.InternFrame({"big", "a.py", 10, 9}));  // same frame again
  profile.AddSelf(big, {980, 98, 0, 0});
  profile.AddSelf(small, {5, 1, 0, 0});
  profile.AddSelf(under_small, {5, 1, 0, 0});
  profile.AddSelf(main, {10, 0, 0, 0});

  FrameTable frames;
  const FlameTree all = PruneForFlameGraph(profile, &frames, 0.001);
  EXPECT_EQ(all.kept, 5u);
  EXPECT_EQ(all.json["bytes"], nlohmann::json({1000, 1000, 980, 10, 5}));
  EXPECT_EQ(all.json["parent"], nlohmann::json({-1, 0, 1, 1, 3}));
  EXPECT_EQ(all.json["frame"][0], -1);

  // Below 5% in bytes and in blocks: `small` (10 bytes, 2 of 100 blocks) and below it go.
  FrameTable frames2;
  const FlameTree pruned = PruneForFlameGraph(profile, &frames2, 0.05);
  EXPECT_EQ(pruned.kept, 3u);
  EXPECT_EQ(pruned.json["bytes"], nlohmann::json({1000, 1000, 980}));
  EXPECT_EQ(pruned.json["total_bytes"], 1000);
  EXPECT_EQ(pruned.kept_of_node[small], pruned.kept_of_node[main]);
  EXPECT_EQ(pruned.kept_of_node[under_small], pruned.kept_of_node[main]);
  EXPECT_EQ(pruned.kept_of_node[big], 2u);

  // Wide in blocks alone is kept: a node of many small blocks stays visible by count.
  StackProfile counts;
  const uint32_t many = counts.Child(0, counts.InternFrame({"many", "a.py", 1, 1}));
  const uint32_t few = counts.Child(0, counts.InternFrame({"few", "a.py", 2, 2}));
  counts.AddSelf(many, {10, 500, 0, 0});
  counts.AddSelf(few, {990, 5, 0, 0});
  FrameTable frames3;
  EXPECT_EQ(PruneForFlameGraph(counts, &frames3, 0.05).kept, 3u);
}

TEST(FlameDataTest, FramesAndStringsAreStoredOnce) {
  FrameTable frames;
  const uint32_t a = frames.Intern({"f", "a.py", 1, 1});
  const uint32_t b = frames.Intern({"g", "a.py", 2, 2});
  EXPECT_EQ(frames.Intern({"f", "a.py", 1, 1}), a);
  EXPECT_NE(a, b);
  const nlohmann::json json = frames.Json();
  EXPECT_EQ(json["strings"], nlohmann::json({"f", "a.py", "g"}));
  EXPECT_EQ(json["frames"], nlohmann::json({{0, 1, 1}, {2, 1, 2}}));
}

}  // namespace
}  // namespace arenatrace::analyzer
