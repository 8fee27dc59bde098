// A small program's heap, written as snapshot records into a hand-built
// trace, for the tests of what the analyzer reads from snapshots (leak
// evidence, the retained profile, the snapshot diff). Objects are named
// by their address; names of types and edges are interned as they come.
#ifndef ARENATRACE_TESTS_ANALYZER_GRAPH_SNAPSHOT_SCENE_H_
#define ARENATRACE_TESTS_ANALYZER_GRAPH_SNAPSHOT_SCENE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/trace/records.h"
#include "tests/analyzer/trace_builder.h"

namespace arenatrace::testing {

class SnapshotScene {
 public:
  struct Object {
    uint64_t address;
    std::string type;
    uint64_t size;
    int64_t refcount;
    bool tracked = true;
    std::vector<std::pair<uint64_t, std::string>> edges;  // target, name ("" or "[i]" for an index)
  };

  explicit SnapshotScene(TraceBuilder& b) : b_(b) {}

  // Writes one whole snapshot: the objects (each with its edges) and the roots.
  void Snapshot(const std::string& label, const std::vector<Object>& objects,
                const std::vector<std::pair<std::string, uint64_t>>& module_roots,
                const std::vector<std::pair<std::string, uint64_t>>& frame_roots = {}) {
    trace::SnapshotStart start{1, label};
    b_.Put(start);
    uint64_t edges = 0;
    for (const Object& o : objects) {
      trace::SnapshotObject object{o.address, 0,          Name(o.type),
                                   o.size,    o.refcount, o.tracked ? trace::kObjectTracked : 0};
      b_.Put(object);
      for (const auto& [target, name] : o.edges) {
        uint64_t label = 0;
        if (name.size() > 2 && name.front() == '[') {
          label = trace::EdgeLabelOfIndex(std::stoull(name.substr(1)));
        } else if (!name.empty()) {
          label = trace::EdgeLabelOfName(Name(name));
        }
        trace::SnapshotEdge edge{target, label};
        b_.Put(edge);
        ++edges;
      }
    }
    for (const auto& [name, address] : module_roots) {
      trace::SnapshotRoot root{static_cast<uint64_t>(trace::SnapshotRootKind::kModule), Name(name),
                               address};
      b_.Put(root);
    }
    for (const auto& [name, address] : frame_roots) {
      trace::SnapshotRoot root{static_cast<uint64_t>(trace::SnapshotRootKind::kThreadFrame),
                               Name(name), address};
      b_.Put(root);
    }
    trace::SnapshotEnd end{objects.size(), edges};
    b_.Put(end);
  }

 private:
  uint64_t Name(const std::string& text) {
    auto [it, inserted] = names_.try_emplace(text, names_.size() + 1);
    if (inserted) {
      trace::SnapshotName name{it->second, text};
      b_.Put(name);
    }
    return it->second;
  }

  TraceBuilder& b_;
  std::map<std::string, uint64_t> names_;
};

}  // namespace arenatrace::testing

#endif  // ARENATRACE_TESTS_ANALYZER_GRAPH_SNAPSHOT_SCENE_H_
