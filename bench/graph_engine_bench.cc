// The object-graph engine on a synthetic heap of 10 M objects and 30 M
// references (seeded, so every run builds the same graph): module roots
// holding trees of containers, leaves shared through an interned pool,
// references between neighbours and across the heap (cycles), a linked list
// of 1 M objects, cyclic garbage and a few objects held from C. Prints the
// time of each step and the process's peak RSS.
//
//   build/bin/arenatrace_graph_bench [nodes [edges [seed]]]
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "analyzer/graph/dominators.h"
#include "analyzer/graph/heap_graph.h"
#include "analyzer/graph/retained_sizes.h"
#include "analyzer/graph/retainers.h"
#include "analyzer/graph/retention_paths.h"
#include "analyzer/graph/unreachable.h"

namespace ag = arenatrace::analyzer::graph;

namespace {

struct SplitMix {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>((Next() >> 32) * n >> 32); }
};

// Wall time and this thread's CPU time: the machine is shared, and the CPU
// time is what the step costs on one core.
struct Stopwatch {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = CpuSeconds();
  static double CpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
};

long PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

void Report(const char* step, const Stopwatch& since) {
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - since.wall).count();
  std::printf("%-28s %8.3f s CPU %8.3f s wall   peak RSS so far %5ld MiB\n", step,
              Stopwatch::CpuSeconds() - since.cpu, wall, PeakRssMiB());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const uint32_t nodes =
      argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 10'000'000;
  const uint64_t edges = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 30'000'000;
  SplitMix rng{argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1};

  Stopwatch start;
  ag::HeapGraphBuilder b;
  const char* container_types[] = {"dict", "list", "tuple", "Node", "set", "function"};
  const char* leaf_types[] = {"str", "int", "float", "bytes"};
  ag::NameId containers[6];
  ag::NameId leaves[4];
  for (int i = 0; i < 6; ++i) containers[i] = b.Intern(container_types[i]);
  for (int i = 0; i < 4; ++i) leaves[i] = b.Intern(leaf_types[i]);
  const ag::NameId module_type = b.Intern("module");
  std::vector<ag::NameId> attributes(2000);
  for (uint32_t i = 0; i < attributes.size(); ++i)
    attributes[i] = b.Intern("attr" + std::to_string(i));
  const ag::NameId next_name = b.Intern("next");

  // Node layout: [modules][shared leaf pool][chain][garbage][the tree heap].
  const uint32_t modules = 1000;
  const uint32_t pool = nodes / 100;
  const uint32_t chain = nodes / 10;
  const uint32_t garbage = nodes / 100;
  const uint32_t heap_start = modules + pool + chain + garbage;
  std::vector<uint8_t> kind(nodes);  // 0: module, 1..6: container, 7..10: leaf
  for (uint32_t i = 0; i < nodes; ++i) {
    if (i < modules) {
      kind[i] = 0;
    } else if (i < modules + pool) {
      kind[i] = 7 + rng.Below(2);
    } else if (i < heap_start) {
      kind[i] = 4;  // Node: chain and garbage cycles
    } else {
      kind[i] = rng.Below(10) < 6 ? 1 + rng.Below(6) : 7 + rng.Below(4);
    }
  }
  auto tracked = [&](uint32_t v) { return kind[v] < 7; };
  auto named = [&](uint32_t v) { return kind[v] == 0 || kind[v] == 1 || kind[v] == 4; };

  std::vector<uint32_t> referrers(nodes, 0);  // from tracked nodes, for refcounts
  struct E {
    uint32_t from, to, name;
  };
  std::vector<E> list;
  list.reserve(edges);
  auto edge = [&](uint32_t from, uint32_t to) {
    const ag::NameId name = named(from) ? attributes[rng.Below(attributes.size())] : 0;
    list.push_back({from, to, name});
    if (tracked(from)) ++referrers[to];
  };
  // The chain hangs from module 0; garbage is rings of 5.
  edge(0, modules + pool);
  for (uint32_t i = modules + pool; i + 1 < modules + pool + chain; ++i) {
    list.push_back({i, i + 1, next_name});
    ++referrers[i + 1];
  }
  for (uint32_t i = modules + pool + chain; i < heap_start; ++i) {
    const uint32_t base = i - (i - (modules + pool + chain)) % 5;
    edge(i, std::min(heap_start - 1, i + 1 == base + 5 ? base : i + 1));
  }
  // The tree: each object's parent is a recent container (or a module).
  std::vector<uint32_t> recent;
  for (uint32_t i = heap_start; i < nodes; ++i) {
    uint32_t parent;
    if (recent.empty() || rng.Below(1000) == 0) {
      parent = rng.Below(modules);
    } else {
      parent = recent[recent.size() - 1 - rng.Below(std::min<uint32_t>(recent.size(), 64))];
    }
    edge(parent, i);
    if (tracked(i)) recent.push_back(i);
  }
  // The rest: from a container to a pooled leaf, a neighbour or anywhere.
  const uint64_t tree_edges = list.size();
  for (uint64_t e = tree_edges; e < edges; ++e) {
    const uint32_t from = recent[rng.Below(recent.size())];
    const uint32_t r = rng.Below(10);
    uint32_t to;
    if (r < 5) {
      to = modules + rng.Below(pool);
    } else if (r < 9) {
      const int64_t near = int64_t{from} + rng.Below(8192) - 4096;
      to = static_cast<uint32_t>(std::clamp<int64_t>(near, heap_start, nodes - 1));
    } else {
      to = heap_start + rng.Below(nodes - heap_start);
    }
    edge(from, to);
  }
  for (uint32_t i = 0; i < nodes; ++i) {
    const uint32_t k = kind[i];
    const ag::NameId type = k == 0 ? module_type : k < 7 ? containers[k - 1] : leaves[k - 7];
    // A few objects are held from C: one more reference than the graph explains.
    const int64_t extra = i < modules || rng.Below(100000) == 0 ? 1 : 0;
    b.AddNode(0x7f0000000000ull + 64ull * i, type, 16 + 8 * rng.Below(16), referrers[i] + extra,
              tracked(i));
  }
  for (const E& e : list) b.AddEdge(e.from, e.to, e.name);
  for (uint32_t i = 0; i < modules; i += 10) b.AddRoot(i, ag::RootKind::kModule, attributes[i]);
  std::vector<E>().swap(list);
  std::vector<uint32_t>().swap(referrers);
  std::vector<uint32_t>().swap(recent);
  std::vector<uint8_t>().swap(kind);
  Report("generate + Add*", start);

  start = Stopwatch();
  const ag::HeapGraph graph = std::move(b).Finish();
  Report("Finish()", start);
  std::printf("  %u nodes, %zu edges, %zu roots\n", graph.node_count(), graph.edge_count(),
              graph.roots().size());

  start = Stopwatch();
  const ag::DominatorTree tree(graph);
  Report("dominators", start);
  std::printf("  %u reachable\n", tree.reachable_count());

  start = Stopwatch();
  const std::vector<uint64_t> retained = ag::RetainedSizes(graph, tree);
  Report("retained sizes", start);
  std::printf("  %llu bytes reachable\n",
              static_cast<unsigned long long>(retained[tree.super_root()]));

  start = Stopwatch();
  const ag::RetentionPaths paths(graph);
  size_t hops = 0;
  SplitMix pick{7};
  for (int i = 0; i < 1000; ++i) hops += paths.PathTo(pick.Below(graph.node_count())).hops.size();
  Report("1000 retention paths", start);
  std::printf("  %zu hops in all\n", hops);

  start = Stopwatch();
  const std::vector<uint32_t> keys = ag::TypeNameKeys(graph);
  const auto by_type = ag::TopRetainersByKey(graph, tree, retained, keys, 10);
  const auto top_nodes = ag::TopNodesByRetainedSize(tree, retained, 100);
  Report("top retainers (type, nodes)", start);
  for (const auto& k : by_type) {
    std::printf(
        "  %-10s %12llu bytes retained by %llu topmost of %llu\n",
        std::string(graph.string(k.key)).c_str(), static_cast<unsigned long long>(k.retained_size),
        static_cast<unsigned long long>(k.topmost_nodes), static_cast<unsigned long long>(k.nodes));
  }

  start = Stopwatch();
  const std::vector<ag::NodeIndex> unreachable = ag::UnreachableNodes(graph, tree);
  Report("unreachable", start);
  std::printf("  %zu unreachable tracked nodes\n", unreachable.size());
  std::printf("peak RSS %ld MiB\n", PeakRssMiB());
  return 0;
}
