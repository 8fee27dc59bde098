#include "analyzer/render/heapsnapshot.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "analyzer/model/text.h"

namespace arenatrace::analyzer {
namespace {

// DevTools' node and edge types, by their index in the meta arrays below.
enum NodeType {
  kHidden = 0,
  kArray = 1,
  kString = 2,
  kObject = 3,
  kCode = 4,
  kClosure = 5,
  kNumber = 7,
  kSynthetic = 9
};
enum EdgeType { kElement = 1, kProperty = 2, kInternal = 3 };
constexpr int kNodeFields = 7;

constexpr char kMeta[] =
    R"({"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],)"
    R"("node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],)"
    R"("edge_fields":["type","name_or_index","to_node"],)"
    R"("edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"],)"
    R"("trace_function_info_fields":["function_id","name","script_name","script_id","line","column"],)"
    R"("trace_node_fields":["id","function_info_index","count","size","children"],)"
    R"("sample_fields":["timestamp_us","last_assigned_id"],)"
    R"("location_fields":["object_index","script_id","line","column"]})";

NodeType TypeOf(std::string_view type) {
  if (type == "str" || type == "bytes") return kString;
  if (type == "int" || type == "float" || type == "bool" || type == "complex") return kNumber;
  if (type == "list" || type == "tuple" || type == "set" || type == "frozenset") return kArray;
  if (type == "function" || type == "method" || type == "cell") return kClosure;
  if (type == "code") return kCode;
  return kObject;
}

class Strings {
 public:
  uint32_t Of(std::string_view text) {
    auto [it, inserted] =
        index_.try_emplace(std::string(text), static_cast<uint32_t>(list_.size()));
    if (inserted) list_.push_back(it->first);
    return it->second;
  }
  void AppendTo(std::string* out) const {
    out->append("\"strings\":[");
    for (size_t i = 0; i < list_.size(); ++i) {
      if (i > 0) out->push_back(',');
      out->append(nlohmann::json(ValidUtf8(list_[i])).dump());
    }
    out->append("]");
  }

 private:
  absl::flat_hash_map<std::string, uint32_t> index_;
  std::vector<std::string> list_;
};

// The allocation trace tree: one trace node per stack of the trie that an
// object's block was allocated at, with its callers up to the empty stack
// (trace node 1, "(root)"); trace node ids are stack ids + 1.
class TraceTree {
 public:
  TraceTree(const Symbols& symbols, Strings* strings) : symbols_(symbols), strings_(strings) {
    functions_.push_back({strings_->Of("(root)"), strings_->Of(""), 0, 0});
  }

  // The trace node of an object allocated at `stack` (`size` bytes).
  uint32_t Add(StackId stack, uint64_t size) {
    Node& node = NodeOf(stack);
    ++node.count;
    node.size += size;
    return stack.value() + 1;
  }

  size_t function_count() const { return functions_.size(); }

  void AppendTo(std::string* out) const {
    out->append("\"trace_function_infos\":[");
    for (size_t i = 0; i < functions_.size(); ++i) {
      const Function& f = functions_[i];
      absl::StrAppend(out, i > 0 ? "," : "", i, ",", f.name, ",", f.script, ",", f.script_id, ",",
                      f.line, ",0");
    }
    // V8's layout: a node is five values, the fifth the flat list of its
    // children's five values each. Depth first, without recursion.
    out->append("],\"trace_tree\":[");
    std::vector<std::pair<StackId, size_t>> stack{{kNoStack, 0}};
    AppendNodeStart(kNoStack, out);
    while (!stack.empty()) {
      auto& [id, next] = stack.back();
      const std::vector<StackId>& children = Children(id);
      if (next < children.size()) {
        const StackId child = children[next++];
        if (next > 1) out->push_back(',');
        AppendNodeStart(child, out);
        stack.push_back({child, 0});
      } else {
        out->push_back(']');
        stack.pop_back();
      }
    }
    out->push_back(']');
  }

 private:
  struct Node {
    uint32_t function = 0;
    uint64_t count = 0;
    uint64_t size = 0;
    std::vector<StackId> children;
  };
  struct Function {
    uint32_t name, script, script_id, line;
  };

  // Creates the trace nodes of `stack` and of its callers not seen yet,
  // outermost first (no recursion: stacks may be deep).
  Node& NodeOf(StackId stack) {
    std::vector<StackId> missing;
    for (StackId s = stack; !nodes_.contains(s); s = symbols_.stack(s).parent) {
      missing.push_back(s);
      if (s == kNoStack) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      Node node;
      if (*it != kNoStack) {
        const StackNode& trie = symbols_.stack(*it);
        node.function = FunctionOf(trie.frame);
        nodes_.at(trie.parent).children.push_back(*it);
      }
      nodes_.emplace(*it, std::move(node));
    }
    return nodes_.at(stack);
  }

  uint32_t FunctionOf(FrameId frame) {
    auto [it, inserted] = function_of_frame_.try_emplace(frame, 0);
    if (inserted) {
      const FrameInfo& info = symbols_.frame(frame);
      const CodeInfo& code = symbols_.code(info.code);
      auto [script, new_script] =
          script_ids_.try_emplace(code.file, static_cast<uint32_t>(script_ids_.size() + 1));
      it->second = static_cast<uint32_t>(functions_.size());
      functions_.push_back(
          {strings_->Of(code.function), strings_->Of(code.file), script->second, info.line});
    }
    return it->second;
  }

  const std::vector<StackId>& Children(StackId stack) const { return nodes_.at(stack).children; }

  void AppendNodeStart(StackId stack, std::string* out) const {
    const Node& node = nodes_.at(stack);
    absl::StrAppend(out, stack.value() + 1, ",", node.function, ",", node.count, ",", node.size,
                    ",[");
  }

  const Symbols& symbols_;
  Strings* strings_;
  absl::flat_hash_map<StackId, Node> nodes_;
  absl::flat_hash_map<FrameId, uint32_t> function_of_frame_;
  absl::flat_hash_map<std::string, uint32_t> script_ids_;
  std::vector<Function> functions_;
};

}  // namespace

std::string HeapSnapshotJson(const graph::SnapshotGraph& snapshot, const ReplayState& state) {
  const graph::HeapGraph& graph = snapshot.graph;
  Strings strings;
  TraceTree trace(state.symbols, &strings);
  trace.Add(kNoStack, 0);  // the tree's root exists even when nothing was recorded
  std::string nodes;
  std::string edges;
  size_t edge_count = 0;
  // The synthetic root, with one edge per root of the graph.
  const auto roots = graph.roots();
  absl::StrAppend(&nodes, kSynthetic, ",", strings.Of("(GC roots)"), ",1,0,", roots.size(), ",0,0");
  const uint32_t held_from_outside = strings.Of("(held from outside the graph)");
  for (const graph::Root& root : roots) {
    const uint32_t name = root.kind == graph::RootKind::kExternal
                              ? held_from_outside
                              : strings.Of(ValidUtf8(graph.string(root.name)));
    absl::StrAppend(&edges, edge_count++ > 0 ? "," : "", kProperty, ",", name, ",",
                    (root.node + 1) * kNodeFields);
  }
  for (graph::NodeIndex n = 0; n < graph.node_count(); ++n) {
    const std::string_view type = graph.string(graph.type_name(n));
    const graph::NodeOrigin& origin = snapshot.origins[n];
    const uint32_t trace_node = origin.seq != 0 ? trace.Add(origin.stack, graph.self_size(n)) : 0;
    const auto out = graph.out_edges(n);
    absl::StrAppend(&nodes, ",", TypeOf(type), ",", strings.Of(type), ",", 2 * (n + 1) + 1, ",",
                    graph.self_size(n), ",", out.size(), ",", trace_node, ",0");
    for (const graph::Edge& edge : out) {
      const std::string_view name = graph.string(edge.name);
      const size_t to = static_cast<size_t>(edge.target + 1) * kNodeFields;
      uint64_t index = 0;
      if (name.size() > 2 && name.front() == '[' && name.back() == ']' &&
          absl::SimpleAtoi(std::string(name.substr(1, name.size() - 2)), &index)) {
        absl::StrAppend(&edges, edge_count++ > 0 ? "," : "", kElement, ",", index, ",", to);
      } else {
        absl::StrAppend(&edges, edge_count++ > 0 ? "," : "", name.empty() ? kInternal : kProperty,
                        ",", strings.Of(ValidUtf8(name)), ",", to);
      }
    }
  }
  std::string out = absl::StrCat(
      "{\"snapshot\":{\"meta\":", kMeta, ",\"node_count\":", graph.node_count() + 1,
      ",\"edge_count\":", edge_count, ",\"trace_function_count\":", trace.function_count(), "},");
  absl::StrAppend(&out, "\"nodes\":[", nodes, "],\"edges\":[", edges, "],");
  trace.AppendTo(&out);
  absl::StrAppend(&out, ",\"samples\":[],\"locations\":[],");
  strings.AppendTo(&out);
  absl::StrAppend(&out, "}\n");
  return out;
}

}  // namespace arenatrace::analyzer
