// Every record of an arenatrace trace: the single definition that the writer
// (preload) and the reader (analyzer) both use, so they cannot disagree.
// docs/TRACE_FORMAT.md describes the same in prose.
//
// A record is a tag byte followed by its fields, in the order its `Fields`
// method visits them (in a chunk, Address fields are kept in a stream of
// their own: chunk_streams.h). For the memory events (Alloc, Free, Realloc) the tag's
// top two bits carry the domain. Field encodings:
//   Varint    unsigned LEB128
//   Signed    zigzag, then LEB128
//   Address   the difference from the previous address of the same stream
//             in the chunk; 16-byte multiples lose their 4 zero bits (flag
//             in the lowest bit). Streams: allocations by domain and size
//             class (a size class's blocks come from the same pools, so its
//             addresses step by small, repeating strides), frees by domain.
//   StackRef  zigzag difference from the previous stack id of the chunk
//   String    Varint length, then the bytes (UTF-8)
// Delta state starts at zero in every chunk, so chunks decode independently.
#ifndef ARENATRACE_CORE_TRACE_RECORDS_H_
#define ARENATRACE_CORE_TRACE_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace arenatrace::trace {

// CPython's allocator domains, numbered as PyMemAllocatorDomain, and (format
// version 5) the blocks extensions report with PyTraceMalloc_Track: numpy's
// array data, which is allocated with malloc and never passes through
// CPython's allocators. A traced block's record also carries the
// tracemalloc domain number its extension gave (numpy's is 389047).
enum class Domain : uint8_t { kRaw = 0, kMem = 1, kObj = 2, kTraced = 3 };
inline constexpr unsigned kNumDomains = 4;  // all the tag's two bits can hold
const char* DomainName(Domain domain);
// numpy's tracemalloc domain (NPY_TRACE_DOMAIN in numpy's sources).
inline constexpr uint64_t kNumpyTracedDomain = 389047;
// The extension known to use a tracemalloc domain number ("numpy"), or null.
const char* TracedDomainOwner(uint64_t traced_domain);

enum class RecordType : uint8_t {
  kAlloc = 1,
  kFree = 2,
  kRealloc = 3,
  kThreadSwitch = 4,  // the following events come from this thread
  kTime = 5,          // time advanced: following events happened at this time
  kCode = 6,
  kFrame = 7,
  kStack = 8,
  kThreadStart = 9,
  kThreadName = 10,
  kRss = 11,
  kGcStart = 12,
  kGcStop = 13,
  kMark = 14,
  kSnapshotRequest = 15,
  kFinalizing = 16,  // the program's own code is over: the interpreter starts finalising
  kFork = 17,
  kEnd = 18,   // the process ended normally; nothing follows
  kLost = 19,  // events that could not be recorded
  kAllocWeighted = 20,
  kPause = 21,  // arenatrace.pause(): allocations are not recorded until Resume
  kResume = 22,
  kExec = 23,  // the process image is replaced by exec; nothing follows if it succeeds
  // A snapshot of the object graph (format version 4): SnapshotStart, then
  // each object with its edges and buffers, the roots, SnapshotEnd.
  kSnapshotStart = 24,
  kSnapshotName = 25,
  kSnapshotObject = 26,
  kSnapshotEdge = 27,
  kSnapshotBuffer = 28,
  kSnapshotRoot = 29,
  kSnapshotEnd = 30,
};
inline constexpr uint8_t kLastRecordType = 30;
inline constexpr uint8_t kTagTypeMask = 0x3f;
inline constexpr unsigned kTagDomainShift = 6;

// Stack id 0 is the empty stack (no Python frame: C threads, interpreter
// start-up, allocations made without the GIL).
inline constexpr uint32_t kEmptyStack = 0;

// Address delta streams (see the top of this file): per domain, one per
// 16-byte size class up to 512 bytes (1-32), one for 0 bytes or an unknown
// class (0), one for larger blocks (33); for allocations and for frees.
inline constexpr size_t kStreamClasses = 34;
inline constexpr size_t kMemoryAddressStreams = 2 * kNumDomains * kStreamClasses;
// A snapshot's objects, and the addresses its objects point to (edges,
// buffers, roots): two streams of their own.
inline constexpr size_t kSnapshotObjectStream = kMemoryAddressStreams;
inline constexpr size_t kSnapshotTargetStream = kMemoryAddressStreams + 1;
inline constexpr size_t kAddressStreams = kMemoryAddressStreams + 2;
inline constexpr uint64_t StreamClassOfSize(uint64_t size) {
  return size <= 512 ? (size + 15) / 16 : 33;
}
inline size_t AllocStream(Domain domain, uint64_t size) {
  return static_cast<size_t>(domain) * kStreamClasses + StreamClassOfSize(size);
}
inline size_t FreeStream(Domain domain, uint64_t size_class) {
  return (kNumDomains + static_cast<size_t>(domain)) * kStreamClasses +
         (size_class < kStreamClasses ? size_class : 0);
}

// `traced_domain`: for Domain::kTraced only (and only then written), the
// tracemalloc domain number given to PyTraceMalloc_Track.
struct Alloc {
  static constexpr RecordType kType = RecordType::kAlloc;
  Domain domain;
  uint64_t address;
  uint64_t size;
  uint32_t stack;
  uint64_t traced_domain = 0;
  template <class V>
  void Fields(V& v) {
    v.Varint(size);
    v.Address(address, AllocStream(domain, size));
    v.StackRef(stack);
    if (domain == Domain::kTraced) v.Varint(traced_domain);
  }
};

// Sampled allocation (--sample-bytes): stands for `weight` bytes of
// allocations made at this stack (its size divided by the probability that
// it was sampled), so that sums over samples estimate the true totals.
struct AllocWeighted {
  static constexpr RecordType kType = RecordType::kAllocWeighted;
  Domain domain;
  uint64_t address;
  uint64_t size;
  uint32_t stack;
  uint64_t weight;
  uint64_t traced_domain = 0;  // as Alloc's
  template <class V>
  void Fields(V& v) {
    v.Varint(size);
    v.Address(address, AllocStream(domain, size));
    v.StackRef(stack);
    v.Varint(weight);
    if (domain == Domain::kTraced) v.Varint(traced_domain);
  }
};

// `size_class`: StreamClassOfSize of the block when the recorder knows it
// (arenatrace's allocator does, from the block's pool), else 0. Frees of one
// class follow each other in steps as regular as its allocations'.
// `traced_domain`: as Alloc's (PyTraceMalloc_Untrack's domain number).
struct Free {
  static constexpr RecordType kType = RecordType::kFree;
  Domain domain;
  uint64_t address;
  uint64_t size_class = 0;
  uint64_t traced_domain = 0;
  template <class V>
  void Fields(V& v) {
    v.Varint(size_class);
    v.Address(address, FreeStream(domain, size_class));
    if (domain == Domain::kTraced) v.Varint(traced_domain);
  }
};

// One event, not free + alloc: the block at old_address now is `size` bytes
// at `address` (which may be the same). Never of Domain::kTraced (the
// reader refuses one).
struct Realloc {
  static constexpr RecordType kType = RecordType::kRealloc;
  Domain domain;
  uint64_t old_address;
  uint64_t address;
  uint64_t size;
  uint32_t stack;
  template <class V>
  void Fields(V& v) {
    v.Address(old_address, FreeStream(domain, 0));
    v.Varint(size);
    v.Address(address, AllocStream(domain, size));
    v.StackRef(stack);
  }
};

struct ThreadSwitch {
  static constexpr RecordType kType = RecordType::kThreadSwitch;
  uint64_t thread;  // index given by ThreadStart
  template <class V>
  void Fields(V& v) {
    v.Varint(thread);
  }
};

struct Time {
  static constexpr RecordType kType = RecordType::kTime;
  uint64_t micros;  // since the trace started; written as a difference from the previous Time
  template <class V>
  void Fields(V& v) {
    v.TimeDelta(micros);
  }
};

// A code object, registered once. Ids are never reused, even when a code
// object dies and another one takes its address.
struct Code {
  static constexpr RecordType kType = RecordType::kCode;
  uint64_t id;
  std::string qualified_name;
  std::string file;
  uint64_t first_line;
  template <class V>
  void Fields(V& v) {
    v.Varint(id);
    v.String(qualified_name);
    v.String(file);
    v.Varint(first_line);
  }
};

// A position in a code object, with its line resolved in the process.
struct Frame {
  static constexpr RecordType kType = RecordType::kFrame;
  uint64_t id;
  uint64_t code;
  uint64_t line;
  template <class V>
  void Fields(V& v) {
    v.Varint(id);
    v.Varint(code);
    v.Varint(line);
  }
};

// A node of the stack trie: `frame` called from the stack `parent`.
struct Stack {
  static constexpr RecordType kType = RecordType::kStack;
  uint64_t id;
  uint64_t parent;
  uint64_t frame;
  template <class V>
  void Fields(V& v) {
    v.Varint(id);
    v.Varint(parent);
    v.Varint(frame);
  }
};

struct ThreadStart {
  static constexpr RecordType kType = RecordType::kThreadStart;
  uint64_t thread;
  uint64_t native_id;
  std::string name;
  template <class V>
  void Fields(V& v) {
    v.Varint(thread);
    v.Varint(native_id);
    v.String(name);
  }
};

struct ThreadName {
  static constexpr RecordType kType = RecordType::kThreadName;
  uint64_t thread;
  std::string name;
  template <class V>
  void Fields(V& v) {
    v.Varint(thread);
    v.String(name);
  }
};

struct Rss {
  static constexpr RecordType kType = RecordType::kRss;
  uint64_t bytes;
  template <class V>
  void Fields(V& v) {
    v.Varint(bytes);
  }
};

struct GcStart {
  static constexpr RecordType kType = RecordType::kGcStart;
  uint64_t generation;
  template <class V>
  void Fields(V& v) {
    v.Varint(generation);
  }
};

struct GcStop {
  static constexpr RecordType kType = RecordType::kGcStop;
  uint64_t generation;
  uint64_t collected;
  uint64_t uncollectable;
  template <class V>
  void Fields(V& v) {
    v.Varint(generation);
    v.Varint(collected);
    v.Varint(uncollectable);
  }
};

struct Mark {
  static constexpr RecordType kType = RecordType::kMark;
  std::string label;
  template <class V>
  void Fields(V& v) {
    v.String(label);
  }
};

struct SnapshotRequest {
  static constexpr RecordType kType = RecordType::kSnapshotRequest;
  std::string label;
  template <class V>
  void Fields(V& v) {
    v.String(label);
  }
};

struct Finalizing {
  static constexpr RecordType kType = RecordType::kFinalizing;
  template <class V>
  void Fields(V&) {}
};

struct Fork {
  static constexpr RecordType kType = RecordType::kFork;
  uint64_t child_pid;
  template <class V>
  void Fields(V& v) {
    v.Varint(child_pid);
  }
};

// Frees are still recorded while paused, so blocks allocated before the
// pause are not mistaken for leaks.
struct Pause {
  static constexpr RecordType kType = RecordType::kPause;
  template <class V>
  void Fields(V&) {}
};

struct Resume {
  static constexpr RecordType kType = RecordType::kResume;
  template <class V>
  void Fields(V&) {}
};

// The new image, if it is a Python, records into a file of its own.
struct Exec {
  static constexpr RecordType kType = RecordType::kExec;
  std::string path;
  template <class V>
  void Fields(V& v) {
    v.String(path);
  }
};

struct End {
  static constexpr RecordType kType = RecordType::kEnd;
  template <class V>
  void Fields(V&) {}
};

struct Lost {
  static constexpr RecordType kType = RecordType::kLost;
  uint64_t events;
  std::string reason;
  template <class V>
  void Fields(V& v) {
    v.Varint(events);
    v.String(reason);
  }
};

// What took a snapshot of the object graph.
enum class SnapshotTrigger : uint8_t {
  kRequest = 0,     // arenatrace.snapshot(label)
  kFinalizing = 1,  // the program's own code ended (the default)
  kSignal = 2,      // the snapshot signal
};
inline constexpr uint64_t kLastSnapshotTrigger = 2;

struct SnapshotStart {
  static constexpr RecordType kType = RecordType::kSnapshotStart;
  uint64_t trigger;  // SnapshotTrigger
  std::string label;
  template <class V>
  void Fields(V& v) {
    v.Varint(trigger);
    v.String(label);
  }
};

// A string the snapshots refer to by id (type names, edge and root names):
// defined once per trace, before its first use; ids count from 1.
struct SnapshotName {
  static constexpr RecordType kType = RecordType::kSnapshotName;
  uint64_t id;
  std::string text;
  template <class V>
  void Fields(V& v) {
    v.Varint(id);
    v.String(text);
  }
};

// Flags of a SnapshotObject.
inline constexpr uint64_t kObjectTracked = 1;          // GC-tracked: its referents were traversed
inline constexpr uint64_t kObjectImmortal = 2;         // 3.12+ immortal: its refcount means nothing
inline constexpr unsigned kObjectGenerationShift = 2;  // generation + 1 (0: none) in bits 2-3

// One object: the Edge and Buffer records that follow are its own.
// `block_offset`: the object's address minus the start of its memory block
// (the GC header and CPython's pre-header), so that the analyzer finds the
// allocation that made it. `size`: its own bytes as CPython counts them
// (sys.getsizeof without the GC header), for objects whose block was not
// recorded.
struct SnapshotObject {
  static constexpr RecordType kType = RecordType::kSnapshotObject;
  uint64_t address;
  uint64_t block_offset;
  uint64_t type_name;  // a SnapshotName id
  uint64_t size;
  int64_t refcount;
  uint64_t flags;
  template <class V>
  void Fields(V& v) {
    v.Address(address, kSnapshotObjectStream);
    v.Varint(block_offset);
    v.Varint(type_name);
    v.Varint(size);
    v.Signed(refcount);
    v.Varint(flags);
  }
};

// An edge label: 0 none; (name id << 1) a name (attribute, dict key, local
// variable); (index << 1) | 1 an index into a list or tuple.
inline constexpr uint64_t EdgeLabelOfName(uint64_t name_id) { return name_id << 1; }
inline constexpr uint64_t EdgeLabelOfIndex(uint64_t index) { return (index << 1) | 1; }

// A reference from the last SnapshotObject to the object at `target`.
struct SnapshotEdge {
  static constexpr RecordType kType = RecordType::kSnapshotEdge;
  uint64_t target;
  uint64_t label;
  template <class V>
  void Fields(V& v) {
    v.Address(target, kSnapshotTargetStream);
    v.Varint(label);
  }
};

// A memory block that the last SnapshotObject owns (a list's item array, a
// dict's tables): its bytes count as the object's own.
struct SnapshotBuffer {
  static constexpr RecordType kType = RecordType::kSnapshotBuffer;
  uint64_t address;
  template <class V>
  void Fields(V& v) {
    v.Address(address, kSnapshotTargetStream);
  }
};

// Kinds of named roots.
enum class SnapshotRootKind : uint8_t {
  kModule = 0,       // an entry of sys.modules, by its name
  kThreadFrame = 1,  // a local variable of a thread's frame: "thread: function: name"
  kBuiltins = 2,     // the builtins module's namespace
  kOther = 3,
};
inline constexpr uint64_t kLastSnapshotRootKind = 3;

struct SnapshotRoot {
  static constexpr RecordType kType = RecordType::kSnapshotRoot;
  uint64_t kind;  // SnapshotRootKind
  uint64_t name;  // a SnapshotName id
  uint64_t address;
  template <class V>
  void Fields(V& v) {
    v.Varint(kind);
    v.Varint(name);
    v.Address(address, kSnapshotTargetStream);
  }
};

// The snapshot is over; its counts let a reader check it is whole.
struct SnapshotEnd {
  static constexpr RecordType kType = RecordType::kSnapshotEnd;
  uint64_t objects;
  uint64_t edges;
  template <class V>
  void Fields(V& v) {
    v.Varint(objects);
    v.Varint(edges);
  }
};

// The first chunk of a file holds the header.
struct Header {
  uint64_t pid = 0;
  uint64_t ppid = 0;
  std::vector<std::string> argv;
  std::string python_version;  // Py_GetVersion()
  std::string allocator;       // "arenatrace" or "pymalloc"
  std::string options;         // the ARENATRACE_* settings, as "key=value" lines
  uint64_t start_unix_micros = 0;
  uint64_t sample_bytes = 0;  // 0: every event recorded
  uint64_t time_resolution_micros = 0;
  template <class V>
  void Fields(V& v) {
    v.Varint(pid);
    v.Varint(ppid);
    v.Strings(argv);
    v.String(python_version);
    v.String(allocator);
    v.String(options);
    v.Varint(start_unix_micros);
    v.Varint(sample_bytes);
    v.Varint(time_resolution_micros);
  }
};

}  // namespace arenatrace::trace

#endif  // ARENATRACE_CORE_TRACE_RECORDS_H_
