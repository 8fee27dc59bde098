// Trace files: records round-trip through the writer and the reader, and
// damaged, truncated, empty and foreign files are read as far as they are
// intact, with one clear line about the rest.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/trace/checksum.h"
#include "core/trace/chunk_writer.h"
#include "core/trace/file_format.h"
#include "core/trace/record_codec.h"
#include "core/trace/trace_reader.h"

namespace arenatrace::trace {
namespace {

// What the recorder writes for the records the encoder put in `rows`.
void Payload(const ByteBuffer& rows, ByteBuffer* payload) {
  ChunkStreams streams;
  ASSERT_TRUE(RecordTransposer::Transpose(rows.data(), rows.size(), &streams));
  streams.Join(payload);
}

class TraceFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/arenatrace-test-XXXXXX";
    const int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = name;
  }
  void TearDown() override { unlink(path_.c_str()); }

  // Writes a header and `chunks` chunks of `per_chunk` allocations each.
  void WriteTrace(int chunks, int per_chunk) {
    ChunkWriter writer(open(path_.c_str(), O_WRONLY | O_TRUNC));
    ASSERT_TRUE(writer.WriteFileHeader());
    ByteBuffer rows;
    ByteBuffer bytes;
    RecordEncoder encoder(&rows);
    Header header;
    header.pid = 4242;
    header.argv = {"python3", "app.py", "--flag"};
    header.python_version = "3.12.1 (main)";
    header.allocator = "arenatrace";
    encoder.PutHeader(header);
    ASSERT_TRUE(writer.WriteChunk(ChunkKind::kHeader, rows.data(), rows.size()));
    uint64_t address = 0x7f0000001000;
    for (int c = 0; c < chunks; ++c) {
      rows.clear();
      encoder.StartChunk();
      Time time{static_cast<uint64_t>(c) * 1000};
      encoder.Put(time);
      for (int i = 0; i < per_chunk; ++i) {
        Alloc alloc{Domain::kObj, address, static_cast<uint64_t>(16 + i % 100),
                    static_cast<uint32_t>(i % 7)};
        encoder.Put(alloc);
        if (i % 3 == 0) {
          Free free{Domain::kObj, address};
          encoder.Put(free);
        }
        address += 48;
      }
      Payload(rows, &bytes);
      ASSERT_TRUE(writer.WriteChunk(ChunkKind::kRecords, bytes.data(), bytes.size()));
    }
  }

  // Reads every chunk; returns the allocations seen and the final status.
  ChunkStatus ReadAll(uint64_t* allocs, std::string* problem = nullptr) {
    std::string error;
    std::unique_ptr<TraceReader> reader = TraceReader::Open(path_, &error);
    EXPECT_NE(reader, nullptr) << error;
    if (!reader) return ChunkStatus::kDamaged;
    std::vector<uint8_t> content;
    ChunkStatus status;
    *allocs = 0;
    while ((status = reader->NextChunk(&content)) == ChunkStatus::kChunk) {
      RecordDecoder decoder(content.data(), content.size());
      EXPECT_TRUE(decoder.Decode([&](const auto& record) {
        if constexpr (std::is_same_v<std::decay_t<decltype(record)>, Alloc>) ++*allocs;
      })) << decoder.error();
    }
    if (problem) *problem = reader->problem();
    return status;
  }

  std::string OpenError() {
    std::string error;
    EXPECT_EQ(TraceReader::Open(path_, &error), nullptr);
    return error;
  }

  void FlipBit(off_t offset, int bit) {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(offset);
    const char byte = static_cast<char>(f.get() ^ (1 << bit));
    f.seekp(offset);
    f.put(byte);
  }
  void Truncate(off_t size) { ASSERT_EQ(truncate(path_.c_str(), size), 0); }
  off_t Size() {
    std::ifstream f(path_, std::ios::binary | std::ios::ate);
    return static_cast<off_t>(f.tellg());
  }

  std::string path_;
};

TEST_F(TraceFileTest, RecordsRoundTrip) {
  ByteBuffer rows;
  RecordEncoder encoder(&rows);
  Alloc alloc{Domain::kMem, 0x7ffff0001230, 40, 12};
  Alloc unaligned{Domain::kRaw, 0x7ffff0001239, 1, 0};
  Realloc realloc{Domain::kObj, 0x7ffff0001230, 0x1000, 1 << 20, 3};
  Code code{7, "Outer.method", "/srv/app.py", 41};
  Mark mark{"after warm-up"};
  GcStop gc{2, 150, 3};
  Time time{123456};
  encoder.Put(alloc);
  encoder.Put(unaligned);
  encoder.Put(realloc);
  encoder.Put(code);
  encoder.Put(mark);
  encoder.Put(gc);
  encoder.Put(time);
  ByteBuffer bytes;
  Payload(rows, &bytes);
  RecordDecoder decoder(bytes.data(), bytes.size());
  std::vector<std::string> seen;
  ASSERT_TRUE(decoder.Decode([&](const auto& r) {
    using R = std::decay_t<decltype(r)>;
    if constexpr (std::is_same_v<R, Alloc>) {
      seen.push_back(std::string(DomainName(r.domain)) + " " + std::to_string(r.address) + " " +
                     std::to_string(r.size) + " " + std::to_string(r.stack));
    } else if constexpr (std::is_same_v<R, Realloc>) {
      seen.push_back("realloc " + std::to_string(r.old_address) + "->" + std::to_string(r.address) +
                     " " + std::to_string(r.size));
    } else if constexpr (std::is_same_v<R, Code>) {
      seen.push_back(r.qualified_name + "@" + r.file + ":" + std::to_string(r.first_line));
    } else if constexpr (std::is_same_v<R, Mark>) {
      seen.push_back("mark " + r.label);
    } else if constexpr (std::is_same_v<R, GcStop>) {
      seen.push_back("gc " + std::to_string(r.generation) + " " + std::to_string(r.collected));
    } else if constexpr (std::is_same_v<R, Time>) {
      seen.push_back("time " + std::to_string(r.micros));
    }
  })) << decoder.error();
  const std::string a = std::to_string(0x7ffff0001230);
  const std::string b = std::to_string(0x7ffff0001239);
  EXPECT_EQ(seen,
            (std::vector<std::string>{
                "mem " + a + " 40 12", "raw " + b + " 1 0", "realloc " + a + "->4096 1048576",
                "Outer.method@/srv/app.py:41", "mark after warm-up", "gc 2 150", "time 123456"}));
}

// The traced domain (PyTraceMalloc_Track) carries its tracemalloc domain
// number; the records of the other domains do not.
TEST_F(TraceFileTest, TracedRecordsKeepTheirDomainNumber) {
  ByteBuffer rows;
  RecordEncoder encoder(&rows);
  Alloc track{Domain::kTraced, 0x7ffff0100000, 40000000, 5, kNumpyTracedDomain};
  Alloc raw{Domain::kRaw, 0x7ffff0200000, 64, 5, 99};  // 99 is not written
  AllocWeighted sampled{Domain::kTraced, 0x7ffff0300000, 100, 6, 4096, 7};
  Free untrack{Domain::kTraced, 0x7ffff0100000, 0, kNumpyTracedDomain};
  Free free{Domain::kRaw, 0x7ffff0200000, 0, 99};
  encoder.Put(track);
  encoder.Put(raw);
  encoder.Put(sampled);
  encoder.Put(untrack);
  encoder.Put(free);
  ByteBuffer bytes;
  Payload(rows, &bytes);
  RecordDecoder decoder(bytes.data(), bytes.size());
  std::vector<std::string> seen;
  ASSERT_TRUE(decoder.Decode([&](const auto& r) {
    using R = std::decay_t<decltype(r)>;
    if constexpr (std::is_same_v<R, Alloc> || std::is_same_v<R, AllocWeighted>) {
      seen.push_back(absl::StrCat("alloc ", DomainName(r.domain), " ", r.address, " ", r.size, " ",
                                  r.stack, " ", r.traced_domain));
    } else if constexpr (std::is_same_v<R, Free>) {
      seen.push_back(
          absl::StrCat("free ", DomainName(r.domain), " ", r.address, " ", r.traced_domain));
    }
  })) << decoder.error();
  EXPECT_EQ(seen, (std::vector<std::string>{
                      absl::StrCat("alloc traced ", 0x7ffff0100000, " 40000000 5 389047"),
                      absl::StrCat("alloc raw ", 0x7ffff0200000, " 64 5 0"),
                      absl::StrCat("alloc traced ", 0x7ffff0300000, " 100 6 7"),
                      absl::StrCat("free traced ", 0x7ffff0100000, " 389047"),
                      absl::StrCat("free raw ", 0x7ffff0200000, " 0")}));
  EXPECT_STREQ(TracedDomainOwner(kNumpyTracedDomain), "numpy");
  EXPECT_EQ(TracedDomainOwner(7), nullptr);
}

TEST_F(TraceFileTest, AllocationsCostFewBytesAfterCompression) {
  WriteTrace(4, 100000);
  // 4 x 133,334 events; the real preload's events are less regular.
  EXPECT_LT(Size(), 4 * 133334 / 2);
}

TEST_F(TraceFileTest, CompleteFileReadsToTheEnd) {
  WriteTrace(3, 1000);
  uint64_t allocs = 0;
  EXPECT_EQ(ReadAll(&allocs), ChunkStatus::kEnd);
  EXPECT_EQ(allocs, 3000u);
  std::string error;
  auto reader = TraceReader::Open(path_, &error);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->header().pid, 4242u);
  EXPECT_EQ(reader->header().argv.size(), 3u);
  EXPECT_EQ(reader->header().python_version, "3.12.1 (main)");
}

// Version 4 only added the snapshot records: a version 3 trace reads as is.
TEST_F(TraceFileTest, VersionThreeTracesStillRead) {
  WriteTrace(2, 100);
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8);
    f.put('\x03');
  }
  uint64_t allocs = 0;
  EXPECT_EQ(ReadAll(&allocs), ChunkStatus::kEnd);
  EXPECT_EQ(allocs, 200u);
  std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(8);
  f.put('\x02');
  f.close();
  EXPECT_NE(OpenError().find("format version 2, but this arenatrace reads versions 3 to"),
            std::string::npos)
      << OpenError();
}

// Version 5 only added the traced domain: a version 4 trace reads as is.
// This one was written by the version 4 writer (the fuzz seed small.atrace
// of that version: every record type, in two chunks).
TEST_F(TraceFileTest, VersionFourTracesStillRead) {
  const std::string old =
      std::string(ARENATRACE_SOURCE_DIR) + "/tests/core/trace/testdata/format4_small.atrace";
  std::string error;
  std::unique_ptr<TraceReader> reader = TraceReader::Open(old, &error);
  ASSERT_NE(reader, nullptr) << error;
  std::set<int> types;
  uint64_t allocs = 0, frees = 0;
  auto collect = [&](const auto& record) {
    using R = std::decay_t<decltype(record)>;
    types.insert(static_cast<int>(R::kType));
    if constexpr (std::is_same_v<R, Alloc>) {
      EXPECT_EQ(record.domain, Domain::kObj);
      EXPECT_EQ(record.size, 24u);
      ++allocs;
    }
    if constexpr (std::is_same_v<R, Free>) ++frees;
  };
  EXPECT_EQ(reader->ReadRecords(collect), ChunkStatus::kEnd) << reader->problem();
  EXPECT_EQ(types.size(), 30u);
  EXPECT_EQ(allocs, 8u);
  EXPECT_EQ(frees, 2u);
}

TEST_F(TraceFileTest, TruncatedFileKeepsEveryCompleteChunk) {
  WriteTrace(3, 1000);
  const off_t full = Size();
  Truncate(full - 10);
  uint64_t allocs = 0;
  std::string problem;
  EXPECT_EQ(ReadAll(&allocs, &problem), ChunkStatus::kCutShort);
  EXPECT_EQ(allocs, 2000u);
  EXPECT_NE(problem.find("the file ends inside the chunk"), std::string::npos) << problem;
}

TEST_F(TraceFileTest, EveryTruncationPointIsHandled) {
  WriteTrace(2, 200);
  const off_t full = Size();
  std::ifstream in(path_, std::ios::binary);
  std::string original((std::istreambuf_iterator<char>(in)), {});
  for (off_t cut = 0; cut < full; cut += 7) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc).write(original.data(), cut);
    std::string error;
    auto reader = TraceReader::Open(path_, &error);
    if (!reader) {
      EXPECT_FALSE(error.empty());
      continue;
    }
    std::vector<uint8_t> content;
    ChunkStatus status;
    while ((status = reader->NextChunk(&content)) == ChunkStatus::kChunk) {
    }
    EXPECT_TRUE(status == ChunkStatus::kCutShort || status == ChunkStatus::kEnd) << cut;
  }
}

TEST_F(TraceFileTest, FlippedByteIsCaughtByTheChecksum) {
  WriteTrace(3, 1000);
  std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(Size() - 50);
  f.put('\xAA');
  f.close();
  uint64_t allocs = 0;
  std::string problem;
  EXPECT_EQ(ReadAll(&allocs, &problem), ChunkStatus::kDamaged);
  EXPECT_EQ(allocs, 2000u);
  EXPECT_NE(problem.find("checksum mismatch"), std::string::npos) << problem;
}

// A chunk stored as is (encoding 0: the writer does so when zstd would not
// make it smaller) is checked like a compressed one.
std::vector<uint8_t> RawChunk(const ByteBuffer& payload) {
  ChunkHeader header = {kChunkMagic,
                        ChunkKind::kRecords,
                        ChunkEncoding::kRaw,
                        0,
                        static_cast<uint32_t>(payload.size()),
                        static_cast<uint32_t>(payload.size()),
                        Checksum(payload.data(), payload.size())};
  std::vector<uint8_t> chunk(sizeof header + payload.size());
  std::memcpy(chunk.data(), &header, sizeof header);
  std::memcpy(chunk.data() + sizeof header, payload.data(), payload.size());
  return chunk;
}

TEST_F(TraceFileTest, RawChunksAreReadAndTheirDamageCaught) {
  WriteTrace(1, 100);
  ByteBuffer rows;
  RecordEncoder encoder(&rows);
  for (uint64_t i = 0; i < 7; ++i) {
    Alloc alloc{Domain::kObj, 0x7f0000001000 + 32 * i, 24, 1};
    encoder.Put(alloc);
  }
  ByteBuffer payload;
  Payload(rows, &payload);
  const std::vector<uint8_t> chunk = RawChunk(payload);
  {
    std::ofstream f(path_, std::ios::binary | std::ios::app);
    f.write(reinterpret_cast<const char*>(chunk.data()),
            static_cast<std::streamsize>(chunk.size()));
  }
  uint64_t allocs = 0;
  EXPECT_EQ(ReadAll(&allocs), ChunkStatus::kEnd);
  EXPECT_EQ(allocs, 107u);
  // Every flipped bit of the raw chunk's stored bytes, and of its checksum,
  // is caught by the checksum: none of it reaches the decoder, which would
  // accept many such changes (an address or a size is any varint).
  const off_t chunk_start = Size() - static_cast<off_t>(chunk.size());
  std::vector<off_t> offsets;
  for (size_t i = 16; i < chunk.size(); ++i) offsets.push_back(chunk_start + i);
  for (off_t offset : offsets) {
    for (int bit : {0, 7}) {
      FlipBit(offset, bit);
      std::string problem;
      EXPECT_EQ(ReadAll(&allocs, &problem), ChunkStatus::kDamaged) << offset << " bit " << bit;
      EXPECT_EQ(allocs, 100u);
      EXPECT_NE(problem.find("checksum mismatch"), std::string::npos) << problem;
      FlipBit(offset, bit);
    }
  }
  EXPECT_EQ(ReadAll(&allocs), ChunkStatus::kEnd);
  EXPECT_EQ(allocs, 107u);
}

TEST_F(TraceFileTest, PipesAndDirectoriesAreRefusedWithoutWaiting) {
  const std::string fifo = path_ + ".fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string error;
  EXPECT_EQ(TraceReader::Open(fifo, &error), nullptr);  // would block in open() for a writer
  EXPECT_NE(error.find("a pipe (FIFO), not a regular file"), std::string::npos) << error;
  unlink(fifo.c_str());
  EXPECT_EQ(TraceReader::Open("/tmp", &error), nullptr);
  EXPECT_NE(error.find("a directory, not a regular file"), std::string::npos) << error;
}

TEST_F(TraceFileTest, EmptyForeignAndFutureFilesGetOneClearLine) {
  Truncate(0);
  EXPECT_NE(OpenError().find("empty file, not an arenatrace trace"), std::string::npos);
  std::ofstream(path_) << "PK\x03\x04 not a trace";
  EXPECT_NE(OpenError().find("not an arenatrace trace (it starts with 'PK\\x03\\x04"),
            std::string::npos)
      << OpenError();
  WriteTrace(1, 10);
  std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(8);
  f.put('\x09');
  f.close();
  EXPECT_NE(OpenError().find(absl::StrCat("format version 9, but this arenatrace reads versions ",
                                          kOldestReadableVersion, " to ", kFormatVersion)),
            std::string::npos)
      << OpenError();
  std::string error;
  EXPECT_EQ(TraceReader::Open("/nonexistent/x.atrace", &error), nullptr);
  EXPECT_NE(error.find("/nonexistent/x.atrace: cannot open: No such file"), std::string::npos)
      << error;
}

TEST_F(TraceFileTest, StreamSizesThatDoNotFitTheChunkAreDamage) {
  ByteBuffer rows;
  RecordEncoder encoder(&rows);
  Alloc alloc{Domain::kObj, 0x7ffff0001230, 40, 12};
  encoder.Put(alloc);
  ByteBuffer bytes;
  Payload(rows, &bytes);
  std::vector<uint8_t> payload(bytes.data(), bytes.data() + bytes.size());

  std::vector<uint8_t> too_long = payload;
  too_long[0] = 0x7f;  // a records stream longer than the whole payload
  RecordDecoder oversized(too_long.data(), too_long.size());
  EXPECT_FALSE(oversized.Decode([](const auto&) {}));
  EXPECT_EQ(oversized.error(), "the sizes of its streams do not fit the chunk");

  std::vector<uint8_t> extra = payload;
  extra.push_back(0x05);  // an address no record reads
  RecordDecoder left_over(extra.data(), extra.size());
  EXPECT_FALSE(left_over.Decode([](const auto&) {}));
  EXPECT_EQ(left_over.error(), "addresses left over after the last record");

  std::vector<uint8_t> short_addresses(payload.begin(), payload.end() - 1);
  RecordDecoder cut(short_addresses.data(), short_addresses.size());
  EXPECT_FALSE(cut.Decode([](const auto&) {}));
  EXPECT_EQ(cut.error(), "an address is cut short");
}

TEST_F(TraceFileTest, RandomGarbageNeverCrashesTheDecoder) {
  std::mt19937 random(5);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> bytes(random() % 64);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(random());
    RecordDecoder decoder(bytes.data(), bytes.size());
    decoder.Decode([](const auto&) {});
    ChunkStreams streams;
    RecordTransposer::Transpose(bytes.data(), bytes.size(), &streams);
    EXPECT_LE(streams.size(), bytes.size());
  }
  ChunkStreams streams;
  const uint8_t unknown_type[] = {0x3f, 0x01};
  EXPECT_FALSE(RecordTransposer::Transpose(unknown_type, sizeof unknown_type, &streams));
  const uint8_t cut_short[] = {static_cast<uint8_t>(RecordType::kAlloc), 0x80};
  EXPECT_FALSE(RecordTransposer::Transpose(cut_short, sizeof cut_short, &streams));
}

// The fuzzer starts from these: they must be in the current format, whole
// (every record type) and cut short. make_seed_corpus.cc rewrites them.
TEST(FuzzSeedCorpusTest, SeedsAreInTheCurrentFormat) {
  const std::string corpus = std::string(ARENATRACE_SOURCE_DIR) + "/tests/fuzz/corpus/";
  std::string error;
  std::unique_ptr<TraceReader> whole = TraceReader::Open(corpus + "small.atrace", &error);
  ASSERT_NE(whole, nullptr) << error << " (rewrite the seeds: tests/fuzz/make_seed_corpus.cc)";
  std::set<int> types;
  auto collect = [&](const auto& record) {
    types.insert(static_cast<int>(std::decay_t<decltype(record)>::kType));
  };
  EXPECT_EQ(whole->ReadRecords(collect), ChunkStatus::kEnd) << whole->problem();
  EXPECT_EQ(types.size(), static_cast<size_t>(kLastRecordType));  // every type, 1..30
  std::unique_ptr<TraceReader> cut = TraceReader::Open(corpus + "cut.atrace", &error);
  ASSERT_NE(cut, nullptr) << error;
  auto ignore = [](const auto&) {};
  EXPECT_EQ(cut->ReadRecords(ignore), ChunkStatus::kCutShort);
  std::unique_ptr<TraceReader> raw = TraceReader::Open(corpus + "raw.atrace", &error);
  ASSERT_NE(raw, nullptr) << error;
  EXPECT_EQ(raw->ReadRecords(ignore), ChunkStatus::kEnd) << raw->problem();
  // Its records chunk is stored as is: bytes 5 of the chunk after the header's.
  std::ifstream file(corpus + "raw.atrace", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), {});
  ChunkHeader header_chunk;
  std::memcpy(&header_chunk, bytes.data() + kFileHeaderSize, sizeof header_chunk);
  const size_t records_chunk = kFileHeaderSize + sizeof header_chunk + header_chunk.stored_size;
  EXPECT_EQ(static_cast<uint8_t>(bytes[records_chunk + 5]),
            static_cast<uint8_t>(ChunkEncoding::kRaw));
}

}  // namespace
}  // namespace arenatrace::trace
