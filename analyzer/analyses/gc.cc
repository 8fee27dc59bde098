#include "analyzer/analyses/gc.h"

#include <algorithm>

namespace arenatrace::analyzer {

GcGeneration& GcAnalysis::Generation(uint64_t generation) {
  // CPython has three (or, 3.14.0-3.14.4, young and two old): a damaged
  // value must not size the table.
  generation = std::min<uint64_t>(generation, 15);
  if (result_.generations.size() <= generation) result_.generations.resize(generation + 1);
  return result_.generations[generation];
}

void GcAnalysis::OnRelease(uint64_t, const Block& block, Release why) {
  // The collector runs on the thread that triggered it, holding the GIL:
  // what that thread frees meanwhile in the MEM and OBJ domains is garbage.
  if (!in_gc_ || why != Release::kFree || state().thread != thread_ ||
      (block.domain != trace::Domain::kMem && block.domain != trace::Domain::kObj)) {
    return;
  }
  freed_[block.stack].Add(block.size, block.count);
  Generation(generation_).freed.Add(block.size, block.count);
}

void GcAnalysis::OnGcStart(uint64_t generation) {
  in_gc_ = true;
  started_ = state().now;
  thread_ = state().thread;
  generation_ = generation;
  Generation(generation);
}

void GcAnalysis::OnGcStop(uint64_t generation, uint64_t collected, uint64_t uncollectable) {
  GcGeneration& g = Generation(generation);
  ++g.collections;
  g.collected += collected;
  g.uncollectable += uncollectable;
  if (in_gc_) g.micros += state().now - started_;
  in_gc_ = false;
}

void GcAnalysis::OnEnd() {
  result_.freed.measure = "freed inside garbage collections";
  ProfileBuilder builder(state().symbols, &result_.freed);
  const auto& freed = freed_.values();
  for (size_t i = 0; i < freed.size(); ++i) {
    if (freed[i].empty()) continue;
    builder.Add(StackId(static_cast<uint32_t>(i)),
                {freed[i].bytes, freed[i].count, freed[i].bytes, freed[i].count});
  }
}

}  // namespace arenatrace::analyzer
