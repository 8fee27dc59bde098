// Snapshots of the object graph: every GC-tracked object with its type,
// reference count, size, generation and referents (through tp_traverse,
// with names where the type lets us give them), the untracked objects they
// reach, and the named roots (sys.modules, each thread's frame locals).
// Written into the trace as records of their own (docs/TRACE_FORMAT.md,
// "Snapshots"); the analyzer joins each object with the allocation that
// made it. Taken only where running C API calls is safe: with the GIL, at
// a bytecode boundary or in a call from Python.
#ifndef ARENATRACE_PRELOAD_ENGINE_HEAP_SNAPSHOT_H_
#define ARENATRACE_PRELOAD_ENGINE_HEAP_SNAPSHOT_H_

#include "core/trace/records.h"

namespace arenatrace::preload {

enum class SnapshotMode {
  kFinal,   // when finalisation starts, on the snapshot signal and on request (default)
  kSignal,  // on the snapshot signal and on request only
  kNever,   // never (arenatrace.snapshot() records only the request)
};

void ConfigureSnapshots(SnapshotMode mode, int signal_number);
bool SnapshotAtFinalizing();
bool SnapshotOnRequest();

// Takes a snapshot now and writes it into the trace. The caller holds the
// GIL at a safe point; no exception is left behind.
void TakeHeapSnapshot(trace::SnapshotTrigger trigger, const char* label);

// The snapshot signal ("kill -USR1 <pid>"), installed with the other
// handlers once the interpreter is initialised. Its handler only asks for a
// snapshot: the main thread takes it at its next safe point.
void InstallSnapshotSignal();
// Whether the signal asked for a snapshot since the last call (clears it).
bool SnapshotWantedBySignal();

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_HEAP_SNAPSHOT_H_
