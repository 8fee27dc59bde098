// A live block as the replay knows it: what its allocation record said, and
// where in the run it was made. Kept for every live block (memory of the
// replay is proportional to live blocks, not to events), so it is small.
#ifndef ARENATRACE_ANALYZER_REPLAY_BLOCK_H_
#define ARENATRACE_ANALYZER_REPLAY_BLOCK_H_

#include <cstdint>

#include "analyzer/model/ids.h"
#include "core/trace/records.h"

namespace arenatrace::analyzer {

enum BlockFlag : uint8_t {
  kSelected = 1 << 0,      // passes the selection (thread, files, domain): analyses count it
  kInWindow = 1 << 1,      // allocated inside the --from/--to window
  kStartup = 1 << 2,       // allocated while the interpreter started up (before the program ran)
  kTeardown = 1 << 3,      // allocated after the program's own code ended (finalisation)
  kAtFinalizing = 1 << 4,  // was live when finalisation began
};

struct Block {
  uint64_t size;  // bytes; for a sampled allocation, the bytes it stands for
  uint64_t seq;   // allocation number in this process, from 1 (reallocs count)
  StackId stack;
  ThreadId thread;
  uint32_t thread_seq;  // allocation number on its thread (wraps): for `temporary`
  uint32_t count;       // blocks it stands for: 1, or a sampled allocation's estimate
  trace::Domain domain;
  uint8_t flags;

  bool selected() const { return flags & kSelected; }
  bool in_window() const { return flags & kInWindow; }
};

// Why a block stops being live.
enum class Release : uint8_t {
  kFree,      // a Free record
  kRealloc,   // a Realloc moved or resized it; the new block follows as an allocation
  kReplaced,  // an allocation at its address, without a free in between (it was not recorded)
};

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_REPLAY_BLOCK_H_
