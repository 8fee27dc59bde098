// libFuzzer target: any bytes given to the trace reader and the record decoder
// must produce records or a clear error, never a crash, a hang or a huge
// allocation. Run by ctest for a bounded time (tests/fuzz/CMakeLists.txt).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/trace/record_codec.h"
#include "core/trace/trace_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader takes a path: give it an in-memory file.
  const int fd = memfd_create("trace", 0);
  if (fd < 0) return 0;
  if (size > 0 && write(fd, data, size) != static_cast<ssize_t>(size)) {
    close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  std::string error;
  std::unique_ptr<arenatrace::trace::TraceReader> reader =
      arenatrace::trace::TraceReader::Open(path, &error);
  if (reader) {
    auto ignore = [](const auto&) {};
    if (reader->ReadRecords(ignore) != arenatrace::trace::ChunkStatus::kEnd &&
        reader->problem().empty()) {
      __builtin_trap();  // a stop must say why
    }
  } else if (error.empty()) {
    __builtin_trap();  // a refusal must say why
  }
  close(fd);
  // The record decoder alone, on the raw bytes.
  arenatrace::trace::RecordDecoder decoder(data, size);
  decoder.Decode([](const auto&) {});
  return 0;
}
