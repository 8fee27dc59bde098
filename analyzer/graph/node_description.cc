#include "analyzer/graph/node_description.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace arenatrace::analyzer::graph {

std::string NodeDescriber::Site(NodeIndex n) const {
  const NodeOrigin& origin = snapshot_.origins[n];
  if (origin.seq == 0) return "";
  return state_.symbols.SiteName(state_.symbols.Site(origin.stack));
}

NodeSummary NodeDescriber::Node(NodeIndex n) const {
  const HeapGraph& graph = snapshot_.graph;
  return {graph.address(n),
          std::string(graph.string(graph.type_name(n))),
          graph.self_size(n),
          tree_.reachable(n) ? retained_[n] : graph.self_size(n),
          Site(n),
          tree_.reachable(n)};
}

RetentionPathSummary NodeDescriber::Path(const RetentionPath& path) const {
  RetentionPathSummary summary;
  NameRoot(path.root, &summary);
  for (const PathHop& hop : path.hops) {
    summary.steps.push_back({Node(hop.node), std::string(snapshot_.graph.string(hop.edge_name))});
  }
  return summary;
}

std::string NodeDescriber::RootName(const Root& root) const {
  RetentionPathSummary path;
  NameRoot(root, &path);
  return path.root;
}

std::string NodeDescriber::ThreadName(uint64_t native_id) const {
  for (const ThreadInfo& thread : state_.threads) {
    if (thread.native_id == native_id && native_id != 0) return thread.name;
  }
  return native_id != 0 ? absl::StrCat("thread ", native_id) : "a thread";
}

void NodeDescriber::NameRoot(const Root& root, RetentionPathSummary* path) const {
  const std::string name(snapshot_.graph.string(root.name));
  switch (root.kind) {
    case RootKind::kModule:
      path->root_kind = "module";
      path->root = absl::StrCat("sys.modules['", name, "']");
      return;
    case RootKind::kThreadFrame: {
      path->root_kind = "frame";
      std::vector<std::string> parts = absl::StrSplit(name, '\t');
      uint64_t native_id = 0;
      if (parts.size() == 3 && absl::SimpleAtoi(parts[0], &native_id)) {
        path->root =
            absl::StrCat(ThreadName(native_id), ": local '", parts[2], "' of ", parts[1], "()");
      } else {
        path->root = name;
      }
      return;
    }
    case RootKind::kBuiltins:
      path->root_kind = "builtins";
      path->root = "builtins";
      return;
    case RootKind::kExternal: {
      path->root_kind = "external";
      const int64_t held = snapshot_.graph.ExternalReferences(root.node);
      path->root = absl::StrCat("held from outside the graph (", held,
                                held == 1 ? " reference" : " references",
                                " from C code, the interpreter or a leak)");
      return;
    }
    default:
      path->root_kind = "other";
      path->root = name;
      return;
  }
}

}  // namespace arenatrace::analyzer::graph
