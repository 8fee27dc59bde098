// Writes the fuzzer's seed corpus: small.atrace, a whole trace with one record
// of every type in two chunks; cut.atrace, the same cut inside its second
// chunk; raw.atrace, whose records chunk is stored as is (encoding 0, as the
// writer stores what zstd cannot shrink), so that the fuzzer also mutates
// the uncompressed path; and crafted_*.atrace, whole traces with right
// checksums and one impossible id each (a Stack id of 2^40, 2^62 or 2e8, a
// Frame id of 2^40, an allocation on stack 2e8, a thread of 2^40), which
// once made the reader allocate by the id (tests/analyzer/replay/
// crafted_traces_test.cc replays them). Run after any change to the trace
// format:
//   cmake --build build --target make_fuzz_seed_corpus
//   build/bin/make_fuzz_seed_corpus tests/fuzz/corpus
// (the unit test FuzzSeedCorpusTest fails while the seeds are stale).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/trace/checksum.h"
#include "core/trace/chunk_streams.h"
#include "core/trace/chunk_writer.h"
#include "core/trace/record_codec.h"
#include "tests/fuzz/test_trace_start.h"

namespace arenatrace::trace {
namespace {

void PutEveryRecord(RecordEncoder& encoder, uint64_t micros) {
  ThreadStart start{0, 42, "MainThread"};
  ThreadName name{0, "main"};
  Time time{micros};
  Code code{1, "f", "app.py", 3};
  Frame frame{1, 1, 4};
  Stack stack{1, 0, 1};
  encoder.Put(start);
  encoder.Put(name);
  encoder.Put(time);
  encoder.Put(code);
  encoder.Put(frame);
  encoder.Put(stack);
  for (uint64_t i = 0; i < 4; ++i) {
    Alloc alloc{Domain::kObj, 0x7f0000001000 + 32 * i, 24, 1};
    encoder.Put(alloc);
  }
  Free free{Domain::kObj, 0x7f0000001000, 2};
  // numpy's array data (PyTraceMalloc_Track and Untrack): the traced domain.
  Alloc track{Domain::kTraced, 0x7f0000100000, 40000000, 1, kNumpyTracedDomain};
  Free untrack{Domain::kTraced, 0x7f0000100000, 0, kNumpyTracedDomain};
  Realloc realloc{Domain::kMem, 0x7f0000002000, 0x7f0000003000, 900, 1};
  AllocWeighted weighted{Domain::kRaw, 0x7f0000004000, 100, 1, 4096};
  Rss rss{1 << 20};
  GcStart gc_start{0};
  GcStop gc_stop{0, 3, 0};
  Mark mark{"m"};
  SnapshotRequest snapshot{"s"};
  Pause pause;
  Resume resume;
  Fork fork{43};
  Lost lost{1, "x"};
  ThreadSwitch thread_switch{0};
  encoder.Put(free);
  encoder.Put(track);
  encoder.Put(untrack);
  encoder.Put(realloc);
  encoder.Put(weighted);
  encoder.Put(rss);
  encoder.Put(gc_start);
  encoder.Put(gc_stop);
  encoder.Put(mark);
  encoder.Put(snapshot);
  encoder.Put(pause);
  encoder.Put(resume);
  encoder.Put(fork);
  encoder.Put(lost);
  encoder.Put(thread_switch);
  // A snapshot of two objects: a dict at 0x7f0000001010 (its block starts
  // 16 bytes before, a recorded allocation) naming the other, and a root.
  SnapshotStart snapshot_start{0, "s"};
  SnapshotName type_name{1, "dict"};
  SnapshotName key_name{2, "x"};
  SnapshotObject dict{0x7f0000001010, 16, 1, 48, 2, kObjectTracked | (1 << kObjectGenerationShift)};
  SnapshotEdge edge{0x7f0000001050, EdgeLabelOfName(2)};
  SnapshotBuffer buffer{0x7f0000001040};
  SnapshotObject item{0x7f0000001050, 0, 1, 24, 1, 0};
  SnapshotEdge indexed{0x7f0000001010, EdgeLabelOfIndex(3)};
  SnapshotRoot root{0, 2, 0x7f0000001010};
  SnapshotEnd snapshot_end{2, 2};
  encoder.Put(snapshot_start);
  encoder.Put(type_name);
  encoder.Put(key_name);
  encoder.Put(dict);
  encoder.Put(edge);
  encoder.Put(buffer);
  encoder.Put(item);
  encoder.Put(indexed);
  encoder.Put(root);
  encoder.Put(snapshot_end);
}

bool WriteRecords(ChunkWriter& writer, const ByteBuffer& rows) {
  ChunkStreams streams;
  if (!RecordTransposer::Transpose(rows.data(), rows.size(), &streams)) return false;
  ByteBuffer payload;
  streams.Join(&payload);
  return writer.WriteChunk(ChunkKind::kRecords, payload.data(), payload.size());
}

bool WriteSeed(const std::string& path, bool cut) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ChunkWriter writer(fd, 3);
  if (!testing::WriteTestTraceStart(writer, 42, "app.py")) return false;
  ByteBuffer rows;
  RecordEncoder encoder(&rows);
  encoder.StartChunk();
  PutEveryRecord(encoder, 1000);
  if (!WriteRecords(writer, rows)) return false;
  const off_t second_chunk = lseek(fd, 0, SEEK_CUR);
  rows.clear();
  encoder.StartChunk();
  PutEveryRecord(encoder, 2000);
  Finalizing finalizing;
  Exec exec{"/bin/true"};
  End end;
  encoder.Put(finalizing);
  encoder.Put(exec);
  encoder.Put(end);
  if (!WriteRecords(writer, rows)) return false;
  return !cut || ftruncate(fd, second_chunk + 40) == 0;
}

bool WriteRawSeed(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ChunkWriter writer(fd, 3);
  ByteBuffer rows;
  RecordEncoder encoder(&rows);
  Header header;
  header.pid = 43;
  header.argv = {"python3"};
  encoder.PutHeader(header);
  if (!writer.WriteFileHeader() ||
      !writer.WriteChunk(ChunkKind::kHeader, rows.data(), rows.size())) {
    return false;
  }
  rows.clear();
  encoder.StartChunk();
  PutEveryRecord(encoder, 500);
  End end;
  encoder.Put(end);
  ChunkStreams streams;
  if (!RecordTransposer::Transpose(rows.data(), rows.size(), &streams)) return false;
  ByteBuffer payload;
  streams.Join(&payload);
  const ChunkHeader chunk = {kChunkMagic,
                             ChunkKind::kRecords,
                             ChunkEncoding::kRaw,
                             0,
                             static_cast<uint32_t>(payload.size()),
                             static_cast<uint32_t>(payload.size()),
                             Checksum(payload.data(), payload.size())};
  std::vector<uint8_t> bytes(sizeof chunk + payload.size());
  std::memcpy(bytes.data(), &chunk, sizeof chunk);
  std::memcpy(bytes.data() + sizeof chunk, payload.data(), payload.size());
  return write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
}

// A trace that is right up to its last record, which holds an impossible id.
template <class R>
bool WriteCraftedSeed(const std::string& path, R crafted) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ChunkWriter writer(fd, 3);
  if (!testing::WriteTestTraceStart(writer, 44, "crafted.py")) return false;
  ByteBuffer rows;
  RecordEncoder encoder(&rows);
  encoder.StartChunk();
  ThreadStart start{0, 42, "MainThread"};
  Time time{1000};
  Code code{1, "f", "app.py", 3};
  Frame frame{1, 1, 4};
  Stack stack{1, 0, 1};
  Alloc alloc{Domain::kObj, 0x7f0000001000, 24, 1};
  End end;
  encoder.Put(start);
  encoder.Put(time);
  encoder.Put(code);
  encoder.Put(frame);
  encoder.Put(stack);
  encoder.Put(alloc);
  encoder.Put(crafted);
  encoder.Put(end);
  return WriteRecords(writer, rows);
}

bool WriteCraftedSeeds(const std::string& directory) {
  constexpr uint64_t k2e40 = uint64_t{1} << 40, k2e62 = uint64_t{1} << 62, k2e8 = 200000000;
  return WriteCraftedSeed(directory + "/crafted_stack_id_2e40.atrace", Stack{k2e40, 0, 1}) &&
         WriteCraftedSeed(directory + "/crafted_stack_id_2e62.atrace", Stack{k2e62, 1, 1}) &&
         WriteCraftedSeed(directory + "/crafted_stack_id_2e8.atrace", Stack{k2e8, 1, 1}) &&
         WriteCraftedSeed(directory + "/crafted_stack_parent_2e62.atrace", Stack{2, k2e62, 1}) &&
         WriteCraftedSeed(directory + "/crafted_frame_id_2e40.atrace", Frame{k2e40, 1, 4}) &&
         WriteCraftedSeed(directory + "/crafted_alloc_stack_2e8.atrace",
                          Alloc{Domain::kObj, 0x7f0000002000, 24, static_cast<uint32_t>(k2e8)}) &&
         WriteCraftedSeed(directory + "/crafted_thread_2e40.atrace", ThreadStart{k2e40, 43, "T"}) &&
         WriteCraftedSeed(directory + "/crafted_thread_switch_2e62.atrace", ThreadSwitch{k2e62});
}

}  // namespace
}  // namespace arenatrace::trace

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS_DIRECTORY\n", argv[0]);
    return 2;
  }
  const std::string directory = argv[1];
  if (!arenatrace::trace::WriteSeed(directory + "/small.atrace", false) ||
      !arenatrace::trace::WriteSeed(directory + "/cut.atrace", true) ||
      !arenatrace::trace::WriteRawSeed(directory + "/raw.atrace") ||
      !arenatrace::trace::WriteCraftedSeeds(directory)) {
    perror("make_fuzz_seed_corpus");
    return 1;
  }
  return 0;
}
