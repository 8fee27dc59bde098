// The start every hand-made test trace shares: the file header and a
// header chunk naming a plausible Python process. Used by the seed-corpus
// writer and the replay fuzzer, so that both write what the reader expects.
#ifndef ARENATRACE_TESTS_FUZZ_TEST_TRACE_START_H_
#define ARENATRACE_TESTS_FUZZ_TEST_TRACE_START_H_

#include <cstdint>
#include <string>

#include "core/trace/byte_buffer.h"
#include "core/trace/chunk_writer.h"
#include "core/trace/record_codec.h"

namespace arenatrace::testing {

inline bool WriteTestTraceStart(trace::ChunkWriter& writer, uint64_t pid,
                                const std::string& script) {
  trace::ByteBuffer rows;
  trace::RecordEncoder encoder(&rows);
  trace::Header header;
  header.pid = pid;
  header.ppid = 1;
  header.argv = {"python3", script};
  header.python_version = "3.12.1";
  header.allocator = "arenatrace";
  header.time_resolution_micros = 1000;
  encoder.PutHeader(header);
  return writer.WriteFileHeader() &&
         writer.WriteChunk(trace::ChunkKind::kHeader, rows.data(), rows.size());
}

}  // namespace arenatrace::testing

#endif  // ARENATRACE_TESTS_FUZZ_TEST_TRACE_START_H_
