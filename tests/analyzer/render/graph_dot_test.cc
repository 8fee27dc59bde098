// The DOT of retention paths: paths that share a root and their first hops
// draw each root, object and edge once.
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"
#include "analyzer/graph/graph_report.h"
#include "analyzer/render/graph_report.h"

namespace arenatrace::analyzer {
namespace {

size_t Occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

TEST(GraphDotTest, SharedRootsAndHopsAreDrawnOnce) {
  graph::GraphReport report;
  const graph::NodeSummary module{0x1000, "module", 64, 4096, "", true};
  const graph::NodeSummary cache{0x2000, "dict", 256, 4000, "<module> (app.py:3)", true};
  for (uint64_t entry = 0; entry < 3; ++entry) {
    graph::RetentionPathSummary path;
    path.root_kind = "module";
    path.root = "sys.modules['app']";
    path.steps = {{module, ""},
                  {cache, "cache"},
                  {{0x3000 + 0x100 * entry, "Entry", 48, 48, "add (app.py:9)", true},
                   "key" + std::to_string(entry)}};
    report.paths.push_back(path);
  }
  const std::string dot = GraphPathsDot(report);
  EXPECT_EQ(Occurrences(dot, "sys.modules['app']"), 1u) << dot;
  EXPECT_EQ(Occurrences(dot, "[label=\"cache\"]"), 1u) << dot;
  EXPECT_EQ(Occurrences(dot, " -> n"), 5u) << dot;  // root -> module -> cache, and 3 entries
  EXPECT_TRUE(absl::StrContains(dot, "[label=\"key2\"]")) << dot;
}

}  // namespace
}  // namespace arenatrace::analyzer
