// Records every allocation event with its Python stack into a trace file.
//
// Events are encoded into one in-memory buffer under a lock (CPython's GIL
// already serialises the MEM and OBJ domains: the GIL holder enters it
// without an atomic instruction, see recorder_lock.h). A background writer
// thread wakes every millisecond to publish the time, samples RSS every
// 10 ms, and hands the buffer to zstd and the file at least every 100 ms (or
// when it holds 1 MiB) — so a killed process loses at most that. In an idle
// process it writes out what it has and sleeps until an event or a signal
// wakes it (RSS every 100 ms meanwhile). Per
// address, a free is recorded before the block is released and an allocation
// after it is obtained, and a realloc holds the lock across the call: the
// order of events on one address is the order in which they happened, across
// threads.
#ifndef ARENATRACE_PRELOAD_ENGINE_RECORDER_H_
#define ARENATRACE_PRELOAD_ENGINE_RECORDER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/trace/records.h"
#include "preload/engine/stack_table.h"

namespace arenatrace::preload {

struct RecordingOptions {
  char output_path[4096] = {};   // the file of the process arenatrace run started
  long root_pid = 0;             // that process; any other writes <output_path>.<pid>
  unsigned max_depth = 0;        // 0: unlimited
  unsigned max_stack_nodes = 0;  // of the stack table before it forgets them; 0: unlimited
  uint64_t sample_bytes = 0;     // 0: every event; else one sample per this many bytes on average
  int mark_signal = 0;           // 0: none; else a signal that records a mark
  const char* allocator = "arenatrace";
  int argc = 0;
  char** argv = nullptr;
  const char* python_version = "";
};

// True while events are being recorded. Checked first by every hook.
extern std::atomic<bool> g_recording;

// Opens the trace and starts the writer thread. Returns false (after saying
// why on stderr) when recording cannot start; the program runs on.
bool StartRecording(const RecordingOptions& options);

void RecordAlloc(trace::Domain domain, void* ptr, size_t size);
// `size_class`: see trace::Free (0 when unknown).
void RecordFree(trace::Domain domain, void* ptr, uint64_t size_class);

// A block an extension reported with PyTraceMalloc_Track(traced_domain, ptr,
// size), and its PyTraceMalloc_Untrack: trace::Domain::kTraced. Callable
// from any thread, with or without the GIL (as the RAW domain's events).
void RecordTracedAlloc(uint64_t traced_domain, void* ptr, size_t size);
void RecordTracedFree(uint64_t traced_domain, void* ptr);

// Holds the recorder's lock across a realloc: Begin, call the allocator, End.
void BeginRealloc(trace::Domain domain);
void EndRealloc(trace::Domain domain, void* old_ptr, void* new_ptr, size_t size);

// The mark signal's handler, and for SIGTERM and SIGHUP (where they have
// their default action; SIGINT gets it once CPython gives it back its
// default action) one that writes out the trace before the process dies.
// Called once the interpreter is initialised: CPython's signal module has
// read every signal's disposition by then, so signal.getsignal() shows the
// program what it would see without us.
void InstallSignalHandlers();

// Process-level events.
void RecordFinalizing();
void RecordMark(const char* label);
void RecordSnapshotRequest(const char* label);

// Heap snapshots (heap_snapshot.h) write chunks of their own: whole records
// encoded from a chunk's start. Possible while this process records.
bool SnapshotRecordingPossible();
// Writes out what is buffered, then `rows` as one records chunk. False when
// recording stopped (the file could not be written).
bool WriteSnapshotChunk(const uint8_t* rows, size_t size);
void RecordGc(bool start, uint64_t generation, uint64_t collected, uint64_t uncollectable);

// Python threads are named by `threading`, in Python: names can only be read
// at moments when running Python code is safe, never in an allocator hook.
// The recorder calls `callback` (once per new thread, from the thread's first
// event) so that the Python side can schedule such a moment; there it calls
// NameThread for every thread `threading` knows. A name is recorded when it
// is new or changed.
void SetNewThreadCallback(void (*callback)());
bool ThreadsAwaitingNames();
void NameThread(uint64_t native_id, const char* name);

// Allocations are not recorded between Pause and the matching Resume (they
// nest); frees still are. Process-wide.
void PauseRecording();
void ResumeRecording();

// Called by the dispatcher's fork wrapper in the parent, once fork returned.
// Does not start the writer thread: Python 3.12+ counts the process's threads
// right after fork returns, to warn about forking a multi-threaded process.
void RecordForkInParent(long child_pid);

// Called by the dispatcher's exec wrappers: the trace so far is written, with
// an Exec record, before the image is replaced. If exec fails, recording goes
// on. A fork child that recorded nothing leaves no file.
void BeforeExec(const char* path);
void AfterFailedExec();

// What the stack table holds now, for the statistics; false when this
// process does not record.
bool RecorderCounts(StackTableCounts* counts);

// Writes everything buffered and the End record, and stops recording. Does
// nothing in a vfork child (it shares the recorder's memory).
void StopRecording();

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_RECORDER_H_
