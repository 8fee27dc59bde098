// A snapshot in a hand-built trace, read through the replay: nodes joined
// with the allocations of their blocks, sizes from the blocks and the
// buffers they own, edge names, roots, and refusal of snapshot records that
// cannot be in a trace arenatrace wrote.
#include "analyzer/graph/snapshot_graph.h"

#include <gtest/gtest.h>

#include "analyzer/graph/graph_report.h"
#include "tests/analyzer/replay_helper.h"

namespace arenatrace::analyzer::graph {
namespace {

using testing::ReplayOf;
using testing::TraceBuilder;

// module (unrecorded) -> dict (block at 0x1000, object 16 bytes in, with a
// 200-byte table) -> "entry": Entry at 0x2010 (block 0x2000) -> [0] str.
void PutSnapshot(TraceBuilder& b, const std::string& label) {
  trace::SnapshotStart start{0, label};
  b.Put(start);
  trace::SnapshotName names[] = {{1, "module"},   {2, "dict"},  {3, "Entry"}, {4, "str"},
                                 {5, "__dict__"}, {6, "entry"}, {7, "app"}};
  for (trace::SnapshotName& name : names) b.Put(name);
  trace::SnapshotObject module{0x9010, 16, 1, 56, 2, trace::kObjectTracked};
  trace::SnapshotEdge module_dict{0x1010, trace::EdgeLabelOfName(5)};
  trace::SnapshotObject dict{0x1010, 16, 2, 48, 1, trace::kObjectTracked};
  trace::SnapshotEdge dict_entry{0x2010, trace::EdgeLabelOfName(6)};
  trace::SnapshotBuffer table{0x3000};
  trace::SnapshotObject entry{0x2010, 16, 3, 32, 1, trace::kObjectTracked};
  trace::SnapshotEdge entry_text{0x4000, trace::EdgeLabelOfIndex(0)};
  trace::SnapshotObject text{0x4000, 0, 4, 60, 1, 0};
  trace::SnapshotRoot root{0, 7, 0x9010};
  trace::SnapshotEnd end{4, 3};
  b.Put(module);
  b.Put(module_dict);
  b.Put(dict);
  b.Put(dict_entry);
  b.Put(table);
  b.Put(entry);
  b.Put(entry_text);
  b.Put(text);
  b.Put(root);
  b.Put(end);
}

TEST(SnapshotGraphTest, NodesAreJoinedWithTheirBlocksAllocations) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  const uint32_t dict_stack = b.Stack({{"make", "app.py", 3}});
  const uint32_t entry_stack = b.Stack({{"fill", "app.py", 9}});
  b.At(1000);
  b.Alloc(0x1000, 64, dict_stack);
  b.Alloc(0x3000, 200, dict_stack);
  b.Alloc(0x2000, 48, entry_stack);
  b.Alloc(0x4000, 60, entry_stack);
  PutSnapshot(b, "s");
  b.End();
  SnapshotGraphBuilder builder;
  auto replay = ReplayOf(b, {&builder});
  ASSERT_TRUE(builder.result());
  const SnapshotGraph& snapshot = *builder.result();
  const HeapGraph& graph = snapshot.graph;
  ASSERT_EQ(graph.node_count(), 4u);
  EXPECT_EQ(snapshot.unresolved_edges, 0u);
  const NodeIndex module = graph.FindByAddress(0x9010);
  const NodeIndex dict = graph.FindByAddress(0x1010);
  const NodeIndex entry = graph.FindByAddress(0x2010);
  // Not recorded: the capture's size and its headers.
  EXPECT_EQ(graph.self_size(module), 56u + 16u);
  EXPECT_EQ(snapshot.origins[module].seq, 0u);
  // The block's size and its table's.
  EXPECT_EQ(graph.self_size(dict), 64u + 200u);
  EXPECT_EQ(snapshot.origins[dict].seq, 1u);
  EXPECT_EQ(graph.self_size(entry), 48u);
  EXPECT_EQ(
      replay->state().symbols.SiteName(replay->state().symbols.Site(snapshot.origins[entry].stack)),
      "fill (app.py:9)");
  ASSERT_EQ(graph.out_edges(dict).size(), 1u);
  EXPECT_EQ(graph.string(graph.out_edges(dict)[0].name), "entry");
  EXPECT_EQ(graph.string(graph.out_edges(entry)[0].name), "[0]");

  GraphQuery query;
  query.type = "Entry";
  const GraphReport report = BuildGraphReport(snapshot, 1, replay->state(), query);
  EXPECT_EQ(report.matched, 1u);
  ASSERT_EQ(report.paths.size(), 1u);
  EXPECT_EQ(report.paths[0].root, "sys.modules['app']");
  ASSERT_EQ(report.paths[0].steps.size(), 3u);
  EXPECT_EQ(report.paths[0].steps[1].edge, "__dict__");
  EXPECT_EQ(report.paths[0].steps[2].edge, "entry");
  EXPECT_EQ(report.paths[0].steps[2].node.site, "fill (app.py:9)");
  // The dict retains itself, its table, the entry and the entry's string.
  EXPECT_EQ(report.paths[0].steps[1].node.retained_size, 264u + 48u + 60u);
}

TEST(SnapshotGraphTest, TheLastWholeSnapshotOrTheOneAskedFor) {
  TraceBuilder b;
  b.Thread(1, "MainThread");
  PutSnapshot(b, "first");
  trace::SnapshotStart start{1, "second"};
  b.Put(start);
  trace::SnapshotEnd end{0, 0};
  b.Put(end);
  b.End();
  SnapshotGraphBuilder last;
  SnapshotGraphBuilder first(0);
  ReplayOf(b, {&last, &first});
  ASSERT_TRUE(last.result() && first.result());
  EXPECT_EQ(last.result()->info.label, "second");
  EXPECT_EQ(last.result()->graph.node_count(), 0u);
  EXPECT_EQ(first.result()->info.label, "first");
  EXPECT_EQ(first.snapshots_seen(), 2u);
}

TEST(SnapshotGraphTest, ImpossibleSnapshotRecordsAreRefused) {
  auto refused = [](auto&& put) {
    TraceBuilder b;
    b.Thread(1, "MainThread");
    put(b);
    b.End();
    auto replay = ReplayOf(b, {});
    return replay->state().stop == trace::ChunkStatus::kDamaged;
  };
  EXPECT_TRUE(refused([](TraceBuilder& b) {
    trace::SnapshotObject object{0x10, 0, 0, 8, 1, 0};  // outside a snapshot
    b.Put(object);
  }));
  EXPECT_TRUE(refused([](TraceBuilder& b) {
    trace::SnapshotName name{5, "too far"};  // not the next id
    b.Put(name);
  }));
  EXPECT_TRUE(refused([](TraceBuilder& b) {
    trace::SnapshotStart start{0, ""};
    trace::SnapshotEdge edge{0x10, 0};  // before any object
    b.Put(start);
    b.Put(edge);
  }));
  EXPECT_TRUE(refused([](TraceBuilder& b) {
    trace::SnapshotStart start{0, ""};
    trace::SnapshotObject object{0x10, 0, 0, 8, 1, 0};
    trace::SnapshotEnd end{2, 0};  // counts that disagree
    b.Put(start);
    b.Put(object);
    b.Put(end);
  }));
  EXPECT_FALSE(refused([](TraceBuilder& b) { PutSnapshot(b, "fine"); }));
}

}  // namespace
}  // namespace arenatrace::analyzer::graph
