// How the graph's reports name what they show: a node as its type, size,
// retained size and allocation site; a root as where it lives
// ("sys.modules['app']", "thread main: local 'cache' of load()", "held from
// outside the graph"); a retention path as those hops. Shared by `graph`,
// `leaks`' graph evidence and the retained-size profile.
#ifndef ARENATRACE_ANALYZER_GRAPH_NODE_DESCRIPTION_H_
#define ARENATRACE_ANALYZER_GRAPH_NODE_DESCRIPTION_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analyzer/graph/dominators.h"
#include "analyzer/graph/retention_paths.h"
#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/replay/replay_state.h"

namespace arenatrace::analyzer::graph {

struct NodeSummary {
  uint64_t address = 0;
  std::string type;
  uint64_t self_size = 0;
  uint64_t retained_size = 0;
  std::string site;  // "function (file:line)", "" when its allocation was not recorded
  bool reachable = true;
};

struct PathStep {
  NodeSummary node;
  std::string edge;  // the name of the edge into this node; "" for the first
};

struct RetentionPathSummary {
  std::string root_kind;        // "module", "frame", "builtins", "external", "other"
  std::string root;             // how the root is named ("sys.modules['app']", ...)
  std::vector<PathStep> steps;  // the root's object first, the target last
};

class NodeDescriber {
 public:
  // All four must outlive the describer; `retained` is indexed by node.
  NodeDescriber(const SnapshotGraph& snapshot, const ReplayState& state, const DominatorTree& tree,
                std::span<const uint64_t> retained)
      : snapshot_(snapshot), state_(state), tree_(tree), retained_(retained) {}

  // "function (file:line)" of the node's block, "" when it was not recorded.
  std::string Site(NodeIndex n) const;
  NodeSummary Node(NodeIndex n) const;
  RetentionPathSummary Path(const RetentionPath& path) const;
  // "sys.modules['app']", "main: local 'cache' of load()", "held from outside the graph (...)".
  std::string RootName(const Root& root) const;

 private:
  std::string ThreadName(uint64_t native_id) const;
  void NameRoot(const Root& root, RetentionPathSummary* path) const;

  const SnapshotGraph& snapshot_;
  const ReplayState& state_;
  const DominatorTree& tree_;
  std::span<const uint64_t> retained_;
};

}  // namespace arenatrace::analyzer::graph

#endif  // ARENATRACE_ANALYZER_GRAPH_NODE_DESCRIPTION_H_
