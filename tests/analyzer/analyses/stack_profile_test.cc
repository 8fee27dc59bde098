// The one shape of stack analyses: trie, inclusive values, sites, merging
// and subtracting.
#include "analyzer/analyses/stack_profile.h"

#include <gtest/gtest.h>

namespace arenatrace::analyzer {
namespace {

uint32_t Path(StackProfile& p, const std::vector<std::string>& functions) {
  uint32_t node = 0;
  for (const std::string& f : functions) node = p.Child(node, p.InternFrame({f, "a.py", 1, 1}));
  return node;
}

TEST(StackProfileTest, InclusiveValuesAddUpTheSubtree) {
  StackProfile p;
  p.AddSelf(Path(p, {"main", "a"}), {10, 1, 10, 1});
  p.AddSelf(Path(p, {"main", "b"}), {5, 2, 5, 2});
  p.AddSelf(Path(p, {"main"}), {1, 1, 1, 1});
  const auto inclusive = p.Inclusive();
  EXPECT_EQ(inclusive[0].bytes, 16);
  EXPECT_EQ(inclusive[Path(p, {"main"})].bytes, 16);
  EXPECT_EQ(inclusive[Path(p, {"main", "a"})].count, 1);
  EXPECT_EQ(p.Total().count, 4);
  EXPECT_EQ(p.Depth(Path(p, {"main", "b"})), 2u);
}

TEST(StackProfileTest, SitesGroupByTheInnermostFrame) {
  StackProfile p;
  p.AddSelf(Path(p, {"x", "leaf"}), {3, 1, 0, 0});
  p.AddSelf(Path(p, {"y", "leaf"}), {7, 1, 0, 0});
  p.AddSelf(Path(p, {"z"}), {5, 1, 0, 0});
  const auto sites = BySite(p);
  ASSERT_EQ(sites.size(), 2u);
  EXPECT_EQ(p.frames()[sites[0].frame].function, "leaf");
  EXPECT_EQ(sites[0].values.bytes, 10);
  EXPECT_EQ(sites[0].top_node, Path(p, {"y", "leaf"}));
}

TEST(StackProfileTest, MergeAndSubtractMatchStacksByFrames) {
  StackProfile a, b;
  a.AddSelf(Path(a, {"main", "f"}), {100, 1, 100, 1});
  b.AddSelf(Path(b, {"main", "f"}), {150, 2, 150, 2});
  b.AddSelf(Path(b, {"main", "g"}), {30, 1, 30, 1});
  StackProfile diff;
  diff.Merge(b);
  diff.Subtract(a);
  EXPECT_EQ(diff.nodes()[Path(diff, {"main", "f"})].self.bytes, 50);
  EXPECT_EQ(diff.nodes()[Path(diff, {"main", "g"})].self.bytes, 30);
  StackProfile under;
  const uint32_t process = Path(under, {"pid 1"});
  under.Merge(a, process);
  EXPECT_EQ(under.Depth(Path(under, {"pid 1", "main", "f"})), 3u);
  EXPECT_EQ(under.nodes()[Path(under, {"pid 1", "main", "f"})].self.bytes, 100);
  EXPECT_EQ(under.Total().bytes, 100);
}

}  // namespace
}  // namespace arenatrace::analyzer
