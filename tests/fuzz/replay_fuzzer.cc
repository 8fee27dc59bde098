// libFuzzer target: any bytes replayed as a trace, through every analysis and
// every text and JSON renderer, must give a report or a clear stop, never a
// crash, a hang, undefined behaviour or a huge allocation. The trace reader
// fuzzer checks the chunks and records; this one checks what the analyzer
// does with records that decode but make no sense (ids out of order, frees
// of nothing, times going back, strings that are not UTF-8 ...). Run by ctest
// for a bounded time (tests/fuzz/CMakeLists.txt).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "analyzer/analyses/allocated.h"
#include "analyzer/analyses/fragmentation.h"
#include "analyzer/analyses/gc.h"
#include "analyzer/analyses/generations.h"
#include "analyzer/analyses/leaks.h"
#include "analyzer/analyses/peak.h"
#include "analyzer/analyses/temporary.h"
#include "analyzer/analyses/timeline.h"
#include "analyzer/graph/graph_report.h"
#include "analyzer/graph/leak_evidence.h"
#include "analyzer/graph/retained_profile.h"
#include "analyzer/graph/snapshot_graph.h"
#include "analyzer/render/graph_report.h"
#include "analyzer/render/json_report.h"
#include "analyzer/render/text_report.h"
#include "analyzer/replay/replay.h"
#include "core/trace/chunk_streams.h"
#include "core/trace/chunk_writer.h"
#include "core/trace/record_codec.h"
#include "tests/fuzz/test_trace_start.h"

namespace at = arenatrace::analyzer;

namespace {

// The file the replay reads, in memory. Random bytes rarely pass a chunk's
// checksum, so most inputs are wrapped in a well-formed file: the first byte
// says how. 0: the bytes are the whole file; 1: they are records as the
// preload's threads write them (one stream), transposed into a chunk as the
// writer thread does; anything else: they are a chunk's payload as it is.
int TraceFileOf(const uint8_t* data, size_t size) {
  const int fd = memfd_create("trace", 0);
  if (fd < 0 || size == 0) return fd;
  const uint8_t mode = data[0];
  ++data;
  --size;
  if (mode == 0) {
    if (write(fd, data, size) != static_cast<ssize_t>(size)) return -1;
    return fd;
  }
  namespace trace = arenatrace::trace;
  trace::ChunkWriter writer(dup(fd), 1);
  if (!arenatrace::testing::WriteTestTraceStart(writer, 42, "app.py")) return -1;
  trace::ChunkStreams streams;
  trace::ByteBuffer payload;
  if (mode == 1 && trace::RecordTransposer::Transpose(data, size, &streams)) {
    streams.Join(&payload);
    data = payload.data();
    size = payload.size();
  }
  writer.WriteChunk(trace::ChunkKind::kRecords, data, size);
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = TraceFileOf(data, size);
  if (fd < 0) return 0;
  const std::string path = "/proc/self/fd/" + std::to_string(fd);

  at::Replay replay;
  at::AllocatedAnalysis allocated;
  at::PeakAnalysis peak;
  at::LeaksAnalysis leaks;
  at::TemporaryAnalysis temporary;
  at::GenerationsAnalysis generations;
  at::GcAnalysis gc;
  at::TimelineAnalysis timeline;
  at::FragmentationAnalysis fragmentation;
  at::graph::SnapshotGraphBuilder snapshot;
  for (at::ReplayObserver* observer : std::initializer_list<at::ReplayObserver*>{
           &allocated, &peak, &leaks, &temporary, &generations, &gc, &timeline, &fragmentation,
           &snapshot}) {
    replay.Add(observer);
  }
  std::string error;
  if (!replay.Run(path, &error)) {
    if (error.empty()) __builtin_trap();  // a refusal must say why
    close(fd);
    return 0;
  }
  close(fd);

  const at::ListLimits limits;
  std::string out;
  out += at::JsonText(at::ProfileJson(allocated.profile(), limits));
  out += at::JsonText(at::ProfileJson(temporary.profile(), limits));
  out += at::JsonText(at::PeakJson(peak.Result(), limits));
  std::optional<at::graph::LeakEvidence> evidence;
  if (snapshot.result()) {
    // The snapshot's analyses on whatever graph the records made.
    const at::graph::SnapshotGraph& graph = *snapshot.result();
    evidence = at::graph::BuildLeakEvidence(graph, snapshot.snapshots_seen(), replay.state(),
                                            at::EvidenceSites(leaks.result(), limits), limits.top);
    out += at::ProfileText(at::graph::RetainedProfile(graph, replay.state()), limits);
    at::graph::GraphQuery query;
    query.type = "dict";
    const at::graph::GraphReport report =
        at::graph::BuildGraphReport(graph, snapshot.snapshots_seen(), replay.state(), query);
    out += at::GraphReportText(report);
    out += at::JsonText(at::GraphReportJson(report));
  }
  const at::graph::LeakEvidence* evidence_or_null = evidence ? &*evidence : nullptr;
  out += at::JsonText(at::LeaksJson(leaks.result(), limits, evidence_or_null));
  out += at::JsonText(at::GenerationsJson(generations.result()));
  out += at::JsonText(at::GcJson(gc.result(), limits));
  out += at::JsonText(at::TimelineJson(timeline.result(), 50));
  out += at::JsonText(at::FragmentationJson(fragmentation.result(), limits));
  out += at::ProfileText(allocated.profile(), limits);
  out += at::ProfileText(temporary.profile(), limits);
  out += at::PeakText(peak.Result(), limits);
  out += at::LeaksText(leaks.result(), limits, evidence_or_null);
  out += at::GenerationsText(generations.result(), limits);
  out += at::GcText(gc.result(), limits);
  out += at::TimelineText(timeline.result(), 60);
  out += at::FragmentationText(fragmentation.result(), limits);
  // Text reports go to terminals: no escape sequence may pass through.
  for (char c : out) {
    if (c == '\x1b') __builtin_trap();
  }
  return 0;
}
