#include "preload/engine/recorder.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "core/trace/chunk_writer.h"
#include "core/trace/record_codec.h"
#include "preload/cpython/parallel_interpreters.h"
#include "preload/cpython/python_frames.h"
#include "preload/engine/chained_signal.h"
#include "preload/engine/kept_descriptor.h"
#include "preload/engine/recorder_lock.h"
#include "preload/engine/stack_table.h"
#include "preload/engine/static_tls.h"
#include "preload/log.h"

namespace arenatrace::preload {

std::atomic<bool> g_recording{false};

namespace {

constexpr uint64_t kTickMicros = 1000;  // the resolution of event times
// The writer thread publishes the time every tick, but it is one thread among
// the program's: on a loaded machine, or while it compresses a large chunk,
// it may not run for tens of milliseconds, and events would keep the time of
// its last tick. So events also read the clock, every this many (a vDSO
// call, no syscall: well under a nanosecond per event).
constexpr unsigned kEventsPerClockRead = 64;
constexpr unsigned kRssEveryTicks = 10;
constexpr unsigned kFlushEveryTicks = 100;
// An idle process (no event, and its other threads all but off the CPU, for
// kIdleChecks RSS ticks in a row) lets the writer sleep: until its next event
// or signal wakes it, or kIdleSleepMillis pass, when RSS is sampled again
// (and written if it changed). Ticking every millisecond cost an idle
// process 0.11 s of CPU every 5 s (issue 10). "Off the CPU": under this
// share of the wall time — a C extension computing without events keeps
// RSS sampled every 10 ms.
constexpr unsigned kIdleChecks = 2;
constexpr int kIdleSleepMillis = 100;
constexpr double kIdleCpuShare = 0.02;
constexpr size_t kFlushBytes = size_t{1} << 20;
// A stalled writer (a slow disk) must not let the buffer grow without bound:
// past this, events are counted as lost instead.
constexpr size_t kDropBytes = size_t{48} << 20;
// zstd's level 3 (its default) makes traces about a fifth smaller than level
// 1, for CPU time spent on the writer thread, not the program's.
constexpr int kCompressionLevel = 3;
constexpr uint64_t kNoThread = ~uint64_t{0};
constexpr uint64_t kNoTime = ~uint64_t{0};

struct ThreadState {
  uint64_t index = kNoThread;
  uint64_t generation = 0;  // of the recorder: a forked child registers threads again
  ThreadStackCache stacks;
  // --sample-bytes: bytes left before this thread's next sample, and the
  // state of its random number generator (xorshift64*, seeded per thread).
  int64_t bytes_until_sample = -1;
  uint64_t random_state = 0;
  bool has_stack = false;  // the last WalkStack found Python frames
  // How this thread holds the recorder's lock across a realloc.
  bool realloc_as_gil_holder = false;
  bool realloc_fast_entry = false;
};

struct KnownThread {
  uint64_t native_id;
  uint64_t index;
  size_t name_hash;  // of the name last recorded
  bool named;
};

struct Recorder {
  RecorderLock lock;
  trace::ByteBuffer active;
  trace::ByteBuffer writing;
  trace::ChunkStreams columns;  // `writing` transposed into a chunk's streams
  trace::ByteBuffer payload;    // and joined
  trace::RecordEncoder encoder{&active};
  std::unique_ptr<StackTable> stacks;
  std::unique_ptr<trace::ChunkWriter> writer;  // null until the file is opened
  uint64_t generation = 1;
  uint64_t chunk_time = kNoTime;      // the Time in force in the current chunk
  uint64_t chunk_thread = kNoThread;  // the thread in force in the current chunk
  uint64_t next_thread_index = 0;
  uint64_t lost_events = 0;
  unsigned events_since_clock_read = 0;
  uint64_t events = 0;       // every event's Prologue counts: the writer sees idleness by it
  bool writer_idle = false;  // the writer sleeps until an event wakes it (under the lock)
  RecordingOptions options;
  // --sample-bytes: the addresses of sampled blocks still live; frees of
  // any other address are not recorded.
  absl::flat_hash_set<uint64_t> sampled;
  std::vector<KnownThread> known_threads;  // threads with Python frames, for NameThread
  // Of known_threads, those not named yet: a thread whose `threading` object
  // had no native_id yet when names were read (it had just started) is
  // looked for again at the next collection, and the next.
  size_t unnamed_threads = 0;
  // Serialises writing chunks: the writer thread, exit and exec may flush.
  pthread_mutex_t flush_lock = PTHREAD_MUTEX_INITIALIZER;
  bool root = false;  // writes options.output_path itself; others write <output_path>.<pid>
  char path[4200] = {};
  timespec start = {};
  pthread_t thread = {};
  std::atomic<bool> stop{false};
  bool thread_running = false;
  // Between BeforeExec and exec: other threads' events must not restart the
  // writer thread, which exec could cut off in the middle of a chunk.
  bool exec_pending = false;
  KeptDescriptor trace_fd;
  KeptDescriptor statm;  // this process's /proc/<pid>/statm
  pid_t pid = 0;         // the recording process (a vfork child shares our memory, not our pid)
};

// Never destroyed: exit handlers and other threads may still call in. Reached
// through a constant address: no pointer to load, nor to reload after every
// byte the encoder stores (a byte store may alias any pointer).
alignas(64) unsigned char g_recorder_storage[sizeof(Recorder)];
Recorder* const g = reinterpret_cast<Recorder*>(g_recorder_storage);
bool g_started = false;  // StartRecording constructed *g
std::atomic<uint64_t> g_now_micros{0};
std::atomic<int> g_pause_depth{0};
void (*g_new_thread_callback)() = nullptr;
std::atomic<bool> g_threads_awaiting_names{false};
std::atomic<unsigned> g_signal_marks{0};  // raised by the mark signal, recorded by the writer
// Raised by the event that fills the buffer past kFlushBytes, so that the
// writer thread need not take the lock every tick to look.
std::atomic<bool> g_flush_wanted{false};
// The futex an idle writer sleeps on: 1 once someone woke it.
std::atomic<uint32_t> g_writer_wake{0};
__attribute__((tls_model("initial-exec"))) __thread ThreadState* t_thread = nullptr;
pthread_key_t g_thread_key;

uint64_t MicrosSince(const timespec& start) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  const int64_t nanos = (static_cast<int64_t>(now.tv_sec) - start.tv_sec) * 1000000000 +
                        (static_cast<int64_t>(now.tv_nsec) - start.tv_nsec);
  return nanos < 0 ? 0 : static_cast<uint64_t>(nanos / 1000);
}

// The current time, in whole ticks: it only ever moves forward, whoever
// reads the clock (the writer thread every tick, events every
// kEventsPerClockRead).
void AdvanceNow() {
  const uint64_t now = MicrosSince(g->start) / kTickMicros * kTickMicros;
  uint64_t seen = g_now_micros.load(std::memory_order_relaxed);
  while (seen < now && !g_now_micros.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
}

void FreeThreadState(void* state) { delete static_cast<ThreadState*>(state); }

// Async-signal-safe (a store and a syscall): signal handlers wake it too.
void WakeWriter() {
  g_writer_wake.store(1, std::memory_order_release);
  syscall(SYS_futex, &g_writer_wake, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

// The first event after the writer went idle (which forced it here, see
// GoIdle): the time is read afresh and the writer ticks again.
__attribute__((noinline)) void WakeIdleWriter() {
  g->writer_idle = false;
  WakeWriter();
}

__attribute__((noinline)) ThreadState* NewThreadState() {
  t_thread = new (std::nothrow) ThreadState();
  if (t_thread != nullptr) pthread_setspecific(g_thread_key, t_thread);
  return t_thread;
}

inline ThreadState* CurrentThread() {
  ThreadState* thread = t_thread;
  return __builtin_expect(thread != nullptr, 1) ? thread : NewThreadState();
}

// Before an event: make sure the chunk says which thread and what time it is.
// Called with the lock held.
void EnsureWriterRunning();

// A thread's first event (in this process): its ThreadStart record.
__attribute__((noinline)) void RegisterThread(ThreadState* thread) {
  thread->index = g->next_thread_index++;
  thread->generation = g->generation;
  char name[64] = {};
  const long tid = syscall(SYS_gettid);
  if (tid == getpid()) {
    snprintf(name, sizeof name, "MainThread");
  } else {
    pthread_getname_np(pthread_self(), name, sizeof name);
  }
  trace::ThreadStart start{thread->index, static_cast<uint64_t>(tid), name};
  g->encoder.Put(start);
  if (tid != getpid()) {
    g->known_threads.push_back({static_cast<uint64_t>(tid), thread->index, 0, false});
    ++g->unnamed_threads;
    g_threads_awaiting_names.store(true, std::memory_order_relaxed);
    if (g_new_thread_callback != nullptr) g_new_thread_callback();
  }
}

// A new millisecond (or chunk): the Time record for what follows.
__attribute__((noinline)) void PutTime(uint64_t now) {
  g->chunk_time = now;
  trace::Time time{now};
  g->encoder.Put(time);
}

// Another thread's events follow.
__attribute__((noinline)) void PutThreadSwitch(uint64_t index) {
  g->chunk_thread = index;
  trace::ThreadSwitch which{index};
  g->encoder.Put(which);
}

__attribute__((always_inline)) inline void Prologue(ThreadState* thread, bool start_writer = true) {
  if (start_writer) EnsureWriterRunning();
  if (__builtin_expect(thread->generation != g->generation, 0)) RegisterThread(thread);
  ++g->events;
  if (__builtin_expect(++g->events_since_clock_read >= kEventsPerClockRead, 0)) {
    g->events_since_clock_read = 0;
    AdvanceNow();
    if (g->writer_idle) WakeIdleWriter();
  }
  const uint64_t now = g_now_micros.load(std::memory_order_relaxed);
  if (__builtin_expect(now != g->chunk_time, 0)) PutTime(now);
  if (__builtin_expect(thread->index != g->chunk_thread, 0)) PutThreadSwitch(thread->index);
}

__attribute__((noinline)) bool PastFlushSize() {
  g_flush_wanted.store(true, std::memory_order_relaxed);
  if (g->active.size() < kDropBytes) return false;
  ++g->lost_events;
  return true;
}

// Under the lock: true when the event must be dropped.
inline bool Full() {
  if (__builtin_expect(g->active.size() < kFlushBytes, 1)) return false;
  return PastFlushSize();
}

// The root process replaces its output file. Every other process (fork
// children, and images that exec replaced, which keep their pid) takes a name
// no other process of the run has taken: <output>.<pid>, else
// <output>.<pid>.<n>. Returns false (errno says why) when no name was taken.
bool NameTraceFile(int fd) {
  char proc_path[64];
  snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
  if (g->root) {
    // Replaces an older trace of that name. Not atomic, but a process
    // killed in between leaves no file, which USAGE allows.
    if (unlink(g->path) != 0 && errno != ENOENT) return false;
    return linkat(AT_FDCWD, proc_path, AT_FDCWD, g->path, AT_SYMLINK_FOLLOW) == 0;
  }
  char base[sizeof g->path - 16];  // room for ".<n>"
  snprintf(base, sizeof base, "%.*s.%d", static_cast<int>(sizeof g->options.output_path),
           g->options.output_path, static_cast<int>(getpid()));
  snprintf(g->path, sizeof g->path, "%s", base);
  for (int n = 1;; ++n) {
    if (linkat(AT_FDCWD, proc_path, AT_FDCWD, g->path, AT_SYMLINK_FOLLOW) == 0) return true;
    if (errno != EEXIST || n > 1000) return false;
    snprintf(g->path, sizeof g->path, "%s.%d", base, n);
  }
}

// The same names, for a file system without O_TMPFILE: the file is visible
// from its creation on.
int CreateNamedTraceFile() {
  if (g->root) return open(g->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  char base[sizeof g->path - 16];
  snprintf(base, sizeof base, "%.*s.%d", static_cast<int>(sizeof g->options.output_path),
           g->options.output_path, static_cast<int>(getpid()));
  snprintf(g->path, sizeof g->path, "%s", base);
  for (int n = 1;; ++n) {
    const int fd = open(g->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST || n > 1000) return fd;
    snprintf(g->path, sizeof g->path, "%s.%d", base, n);
  }
}

// The file is created without a name (O_TMPFILE) and named once its header
// is in: a process killed in between (a fork child killed at once) leaves no
// file, never an empty or header-less one that the reader must reject.
int CreateUnnamedTraceFile() {
  char directory[sizeof g->options.output_path];
  snprintf(directory, sizeof directory, "%.*s", static_cast<int>(sizeof directory - 1),
           g->options.output_path);
  char* slash = strrchr(directory, '/');
  if (slash == nullptr) {
    snprintf(directory, sizeof directory, ".");
  } else if (slash == directory) {
    slash[1] = '\0';
  } else {
    *slash = '\0';
  }
  return open(directory, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
}

void EncodeHeader(trace::ByteBuffer* bytes) {
  trace::RecordEncoder encoder(bytes);
  trace::Header header;
  header.pid = static_cast<uint64_t>(getpid());
  header.ppid = static_cast<uint64_t>(getppid());
  for (int i = 0; i < g->options.argc && g->options.argv && g->options.argv[i]; ++i) {
    header.argv.emplace_back(g->options.argv[i]);
  }
  header.python_version = g->options.python_version;
  header.allocator = g->options.allocator;
  char options[160];
  snprintf(options, sizeof options, "max_depth=%u\nsample_bytes=%llu\nmark_signal=%d\n",
           g->options.max_depth, static_cast<unsigned long long>(g->options.sample_bytes),
           g->options.mark_signal);
  header.options = options;
  header.sample_bytes = g->options.sample_bytes;
  timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  header.start_unix_micros = static_cast<uint64_t>(wall.tv_sec) * 1000000 +
                             static_cast<uint64_t>(wall.tv_nsec) / 1000 -
                             g_now_micros.load(std::memory_order_relaxed);
  header.time_resolution_micros = kTickMicros;
  encoder.PutHeader(header);
}

// The file header and header chunk, through a new writer on `fd` (adopted).
// False (errno set, the writer gone) when they could not be written.
bool StartTraceFile(int fd) {
  if (fd < 0 || !g->trace_fd.Adopt(fd)) return false;
  g->writer = std::make_unique<trace::ChunkWriter>(g->trace_fd.fd(), kCompressionLevel);
  trace::ByteBuffer header;
  EncodeHeader(&header);
  if (g->writer->WriteFileHeader() &&
      g->writer->WriteChunk(trace::ChunkKind::kHeader, header.data(), header.size())) {
    return true;
  }
  errno = g->writer->error_number();
  g->writer.reset();
  g->trace_fd.Forget();  // the writer closed it
  return false;
}

bool OpenTraceFile() {
  if (!g->root) g->path[0] = '\0';  // named below
  // A root output that exists and is not a regular file (/dev/full, a
  // named pipe, a symlink) is written through, never replaced.
  struct stat existing;
  const bool write_through =
      g->root && lstat(g->path, &existing) == 0 && !S_ISREG(existing.st_mode);
  const int unnamed = write_through ? -1 : CreateUnnamedTraceFile();
  bool try_named = unnamed < 0;  // no O_TMPFILE here
  if (unnamed >= 0) {
    if (!StartTraceFile(unnamed)) {
      // A full disk, a file size limit: a named file would be left broken.
      try_named = false;
    } else if (NameTraceFile(g->trace_fd.fd())) {
      return true;
    } else {
      // Naming failed (no /proc, a file system that refuses the link): the
      // unnamed file is dropped, and the file made the plain way.
      g->writer.reset();
      g->trace_fd.Forget();
      if (!g->root) g->path[0] = '\0';
      try_named = true;
    }
  }
  if (try_named && StartTraceFile(CreateNamedTraceFile())) return true;
  const int error = errno;
  if (g->path[0] == '\0') {
    Log("cannot write the trace %s.%d: %s; this process runs unrecorded", g->options.output_path,
        static_cast<int>(getpid()), strerror(error));
  } else {
    Log("cannot write the trace %s: %s; this process runs unrecorded", g->path, strerror(error));
  }
  return false;
}

// Before each chunk: the trace's descriptor must still be ours (see
// kept_descriptor.h). If the program closed it, the file is reopened by its
// name, to append after the last whole chunk, provided the name still leads
// to the same file; else recording stops. False when it stopped.
bool TraceDescriptorUsable() {
  if (g->trace_fd.StillOurs()) return true;
  g->writer->Disown();
  g->trace_fd.Forget();
  const int reopened = open(g->path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (reopened >= 0 && g->trace_fd.SameFileAs(reopened) && g->trace_fd.Adopt(reopened)) {
    g->writer->UseDescriptor(g->trace_fd.fd());
    return true;
  }
  if (reopened >= 0 && !g->trace_fd.open()) close(reopened);
  Log("the program closed the descriptor of the trace %s, and that file cannot be reopened; "
      "recording stopped, the program goes on",
      g->path);
  return false;
}

// Moves the buffer out under the lock and writes it outside.
// One records chunk of whole records, encoded from the chunk's start; the
// caller holds flush_lock.
void WriteRecordsChunk(const uint8_t* rows, size_t size) {
  if (g->writer == nullptr && !OpenTraceFile()) {
    g_recording.store(false);
    return;
  }
  // Our own encoding: transposing it cannot fail.
  trace::RecordTransposer::Transpose(rows, size, &g->columns);
  g->columns.Join(&g->payload);
  if (!TraceDescriptorUsable()) {
    g_recording.store(false);
  } else if (!g->writer->WriteChunk(trace::ChunkKind::kRecords, g->payload.data(),
                                    g->payload.size())) {
    Log("cannot write the trace %s: %s; recording stopped, the program goes on", g->path,
        strerror(g->writer->error_number()));
    g_recording.store(false);
  }
}

void Flush() {
  pthread_mutex_lock(&g->flush_lock);
  g->lock.Lock();
  if (g->lost_events != 0) {
    trace::Lost lost{g->lost_events, "the trace writer fell behind"};
    g->encoder.Put(lost);
    g->lost_events = 0;
  }
  if (g->active.empty()) {
    g->lock.Unlock();
    pthread_mutex_unlock(&g->flush_lock);
    return;
  }
  g->active.swap(g->writing);
  g_flush_wanted.store(false, std::memory_order_relaxed);
  g->encoder.StartChunk();
  g->chunk_time = kNoTime;
  g->chunk_thread = kNoThread;
  g->lock.Unlock();
  WriteRecordsChunk(g->writing.data(), g->writing.size());
  g->writing.clear();
  pthread_mutex_unlock(&g->flush_lock);
}

void OpenStatm() { g->statm.Adopt(open("/proc/self/statm", O_RDONLY | O_CLOEXEC)); }

uint64_t ReadRss() {
  if (!g->statm.StillOurs()) {  // the program closed it (see kept_descriptor.h)
    g->statm.Forget();
    OpenStatm();
    if (!g->statm.open()) return 0;
  }
  char buffer[96];
  const ssize_t n = pread(g->statm.fd(), buffer, sizeof buffer - 1, 0);
  if (n <= 0) return 0;
  buffer[n] = '\0';
  unsigned long long size = 0;
  unsigned long long resident = 0;
  if (sscanf(buffer, "%llu %llu", &size, &resident) != 2) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// True when every other thread of the process has ended (pthread_exit in the
// last program thread, as in a fork child started from a thread). glibc would
// then end the process, but our thread keeps it alive: we must do it. An
// exited main thread stays listed, as a zombie, until the whole group ends.
bool OnlyThreadLeft() {
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return false;
  const long self = syscall(SYS_gettid);
  bool others_alive = false;
  while (const dirent* entry = readdir(tasks)) {
    const long tid = strtol(entry->d_name, nullptr, 10);
    if (tid <= 0 || tid == self) continue;
    char path[64];
    char buffer[512];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // ended meanwhile
    const ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n <= 0) continue;
    buffer[n] = '\0';
    const char* after_name = strrchr(buffer, ')');
    if (after_name == nullptr || (after_name[2] != 'Z' && after_name[2] != 'X')) {
      others_alive = true;
      break;
    }
  }
  closedir(tasks);
  return !others_alive;
}

// The mark signal's handler only counts (it may interrupt anything, even our
// own lock holder); the writer thread records the marks. A handler that was
// there before ours (installed from C before Python started) still runs.
ChainedSignal g_mark_signal;

void OnMarkSignal(int signal_number, siginfo_t* info, void* context) {
  const int saved_errno = errno;  // the interrupted code may be about to read it
  g_signal_marks.fetch_add(1, std::memory_order_relaxed);
  WakeWriter();
  g_mark_signal.CallPrevious(signal_number, info, context);
  errno = saved_errno;
}

void RecordSignalMarks() {
  const unsigned count = g_signal_marks.exchange(0);
  char label[64];
  snprintf(label, sizeof label, "signal SIG%s", sigabbrev_np(g->options.mark_signal));
  g->lock.Lock();
  if (g_recording.load(std::memory_order_relaxed)) {
    const uint64_t now = g_now_micros.load(std::memory_order_relaxed);
    if (now != g->chunk_time) {
      g->chunk_time = now;
      trace::Time time{now};
      g->encoder.Put(time);
    }
    for (unsigned i = 0; i < count; ++i) {
      trace::Mark mark{label};
      g->encoder.Put(mark);
    }
  }
  g->lock.Unlock();
}

void InstallMarkSignal(int signal_number) {
  g_mark_signal.Install(signal_number, &OnMarkSignal, "marks");
}

// A fatal signal from outside (SIGTERM, SIGHUP): the handler asks the writer
// thread to write out what is buffered, waits for it (a bounded time: the
// thread it interrupted may hold the recorder's lock, and then the writer
// cannot), then lets the signal's default action end the process. It takes
// no lock and calls nothing that is not async-signal-safe.
using SigactionFunction = int (*)(int, const struct sigaction*, struct sigaction*);
SigactionFunction g_libc_sigaction = &sigaction;
std::atomic<bool> g_signal_flush_wanted{false};
std::atomic<bool> g_signal_flush_done{false};
constexpr int kFatalSignals[] = {SIGTERM, SIGHUP};
constexpr int kSignalFlushWaitMillis = 1000;

void WaitForSignalFlush() {
  if (!g_started || !g_recording.load() || getpid() != g->pid || !g->thread_running) return;
  g_signal_flush_done.store(false);
  g_signal_flush_wanted.store(true);
  WakeWriter();
  for (int waited = 0; waited < kSignalFlushWaitMillis && !g_signal_flush_done.load(); ++waited) {
    const timespec millisecond = {0, 1000000};
    nanosleep(&millisecond, nullptr);
  }
}

}  // namespace

extern "C" __attribute__((visibility("default"))) void arenatrace_engine_fatal_signal_handler(
    int signal_number) {
  const int saved_errno = errno;
  WaitForSignalFlush();
  // The default action, as if we had not been there: delivered once this
  // handler returns and the signal is unblocked again. Set through libc's
  // own sigaction: the dispatcher's would put this handler back.
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  g_libc_sigaction(signal_number, &default_action, nullptr);
  syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), signal_number);
  errno = saved_errno;
}

namespace {

// Only where the signal has its default action: a program that ignores it,
// or inherited a handler, keeps that.
void InstallFatalSignalHandlers() {
  if (void* libc_sigaction = dlsym(RTLD_NEXT, "sigaction")) {
    g_libc_sigaction = reinterpret_cast<SigactionFunction>(libc_sigaction);
  }
  for (const int signal_number : kFatalSignals) {
    struct sigaction current;
    if (sigaction(signal_number, nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL) continue;
    struct sigaction action = {};
    action.sa_handler = &arenatrace_engine_fatal_signal_handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(signal_number, &action, nullptr);
  }
}

// The thread state's offset from the thread pointer, as the main thread
// found it (see static_tls.h). The writer thread, a second thread, confirms it
// before the hooks use it.
std::optional<long> g_thread_state_offset;

void FindThreadStateOffset() {
  if (const char* symbol = arenatrace_thread_state_tls_symbol()) {
    g_thread_state_offset =
        ThreadLocalOffset(reinterpret_cast<const void*>(&PyThreadState_Get), symbol);
  }
}

void ConfirmThreadStateOffset() {
  static bool confirmed = false;
  if (confirmed || !g_thread_state_offset) return;
  confirmed = true;
  const std::optional<long> here = ThreadLocalOffset(
      reinterpret_cast<const void*>(&PyThreadState_Get), arenatrace_thread_state_tls_symbol());
  if (here == g_thread_state_offset) arenatrace_use_thread_state_tls_offset(*here);
}

// CPU time of the process's threads other than the calling one (the writer),
// in nanoseconds.
int64_t OtherThreadsCpuNanos() {
  timespec process;
  timespec self;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &process);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &self);
  return (static_cast<int64_t>(process.tv_sec) - self.tv_sec) * 1000000000 +
         (static_cast<int64_t>(process.tv_nsec) - self.tv_nsec);
}

// What the writer last saw of the program's activity.
struct Activity {
  uint64_t events = 0;
  int64_t cpu_nanos = -1;  // -1: not read at the last check
  uint64_t micros = 0;
  unsigned quiet_checks = 0;

  // Under the lock: whether nothing happened since the last call (no event,
  // little CPU), and remembers now. Reads the CPU clocks (syscalls) only
  // when no event came.
  bool Quiet() {
    const uint64_t micros_now = MicrosSince(g->start);
    bool quiet = g->events == events;
    events = g->events;
    if (quiet) {
      const int64_t cpu_now = OtherThreadsCpuNanos();
      quiet =
          cpu_nanos >= 0 && static_cast<double>(cpu_now - cpu_nanos) <
                                kIdleCpuShare * 1000.0 * static_cast<double>(micros_now - micros);
      cpu_nanos = cpu_now;
    } else {
      cpu_nanos = -1;
    }
    micros = micros_now;
    return quiet;
  }
};

// Under the lock: the writer goes idle. The next event must read the clock
// itself (the writer no longer advances it) and wake the writer: the count
// that sends an event to the clock is set to expire at it.
void GoIdle() {
  g->writer_idle = true;
  g->events_since_clock_read = kEventsPerClockRead - 1;
  g_writer_wake.store(0, std::memory_order_relaxed);
}

void PutRss(uint64_t rss) {
  const uint64_t now = g_now_micros.load(std::memory_order_relaxed);
  if (now != g->chunk_time) {
    g->chunk_time = now;
    trace::Time time{now};
    g->encoder.Put(time);
  }
  trace::Rss record{rss};
  g->encoder.Put(record);
}

// Sleeps while the program is idle: returns when an event, a signal or
// StopWriterThread wakes the writer, or the program uses the CPU again.
// Samples RSS every kIdleSleepMillis meanwhile, and writes it when it changed.
void SleepWhileIdle(Activity* activity, uint64_t last_rss) {
  while (!g->stop.load(std::memory_order_relaxed)) {
    const timespec timeout = {0, kIdleSleepMillis * 1000000L};
    syscall(SYS_futex, &g_writer_wake, FUTEX_WAIT_PRIVATE, 0, &timeout, nullptr, 0);
    if (g_writer_wake.load(std::memory_order_acquire) != 0) return;
    AdvanceNow();
    const uint64_t rss = ReadRss();
    g->lock.Lock();
    if (!g->writer_idle || !g_recording.load(std::memory_order_relaxed)) {
      g->lock.Unlock();
      return;
    }
    const bool quiet = activity->Quiet();
    if (!quiet) g->writer_idle = false;
    const bool changed = rss != 0 && rss != last_rss;
    if (changed) {
      PutRss(rss);
      last_rss = rss;
    }
    g->lock.Unlock();
    if (changed) Flush();
    if (OnlyThreadLeft()) {
      StopRecording();
      exit(0);  // what glibc does when the last thread exits
    }
    if (!quiet) return;
  }
}

void* WriterMain(void*) {
  ConfirmThreadStateOffset();
  timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  Activity activity;
  uint64_t last_rss = 0;
  for (unsigned tick = 1; !g->stop.load(std::memory_order_relaxed); ++tick) {
    next.tv_nsec += kTickMicros * 1000;
    if (next.tv_nsec >= 1000000000) {
      next.tv_nsec -= 1000000000;
      ++next.tv_sec;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
    AdvanceNow();
    if (!g_recording.load(std::memory_order_relaxed)) continue;
    if (g_signal_marks.load(std::memory_order_relaxed) != 0) RecordSignalMarks();
    if (g_signal_flush_wanted.exchange(false)) {
      Flush();
      g_signal_flush_done.store(true);
      continue;
    }
    const uint64_t rss = tick % kRssEveryTicks == 0 ? ReadRss() : 0;
    bool idle = false;
    if (rss != 0) {
      g->lock.Lock();
      if (!g_recording.load(std::memory_order_relaxed)) {  // End was written meanwhile
        g->lock.Unlock();
        continue;
      }
      PutRss(rss);
      last_rss = rss;
      activity.quiet_checks = activity.Quiet() ? activity.quiet_checks + 1 : 0;
      if (activity.quiet_checks >= kIdleChecks && g_signal_marks.load() == 0) {
        idle = true;
        activity.quiet_checks = 0;
        GoIdle();
      }
      g->lock.Unlock();
    }
    if (idle || tick % kFlushEveryTicks == 0 || g_flush_wanted.load(std::memory_order_relaxed)) {
      Flush();  // before a sleep: what the program did is in the file
    }
    if ((idle || tick % kFlushEveryTicks == 0) && OnlyThreadLeft()) {
      StopRecording();
      exit(0);  // what glibc does when the last thread exits
    }
    if (idle) {
      SleepWhileIdle(&activity, last_rss);
      g->lock.Lock();  // woken by a signal, or by itself: events need not wake it now
      g->writer_idle = false;
      g->lock.Unlock();
      clock_gettime(CLOCK_MONOTONIC, &next);  // ticks start again from now
      tick = 0;
    }
  }
  return nullptr;
}

void StartWriterThread() {
  // The writer must never receive the program's signals.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  g->stop.store(false);
  g->writer_idle = false;
  g_writer_wake.store(0);
  g->thread_running = pthread_create(&g->thread, nullptr, &WriterMain, nullptr) == 0;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void StopWriterThread() {
  if (!g->thread_running || pthread_equal(pthread_self(), g->thread)) return;
  g->stop.store(true);
  WakeWriter();
  pthread_join(g->thread, nullptr);
  g->thread_running = false;
}

// Before fork: the writer thread is stopped (and restarted lazily by the next
// event, on both sides). Python 3.12+ warns about forking a multi-threaded
// process by counting the process's threads just after fork returns in the
// parent: our thread must not be there then.
void StopWriterBeforeFork() {
  if (!g_started) return;
  StopWriterThread();
  g->lock.Lock();
}
void UnlockInParent() {
  if (g_started) g->lock.Unlock();
}

// The child of a fork records into its own file, <output>.<pid>, opened at its
// first flush (a child that execs at once leaves no file behind). What the
// parent had buffered is the parent's.
void RestartInChild() {
  if (!g_started) return;
  g->active.clear();
  g->writing.clear();
  g->encoder.StartChunk();
  g->chunk_time = kNoTime;
  g->chunk_thread = kNoThread;
  g->next_thread_index = 0;
  ++g->generation;
  g_flush_wanted.store(false, std::memory_order_relaxed);
  g->lost_events = 0;
  // The child's copies of the parent's descriptors: the parent keeps its own.
  if (g->writer != nullptr) g->writer->Disown();
  g->writer.reset();
  g->trace_fd.Close();
  // /proc/self/statm opened by the parent goes on naming the parent's.
  g->statm.Close();
  OpenStatm();
  g->stacks->Reset();
  g->sampled.clear();  // the parent's samples; the child's events start afresh
  g->known_threads.clear();
  g->unnamed_threads = 0;
  g->root = false;
  g->pid = getpid();
  g->lock.ResetInChild();
}

// Called with the lock held, by every event.
inline void EnsureWriterRunning() {
  if (__builtin_expect(!g->thread_running, 0) && !g->exec_pending) StartWriterThread();
}

}  // namespace

bool StartRecording(const RecordingOptions& options) {
  new (g_recorder_storage) Recorder();
  g_started = true;
  g->options = options;
  g->root = options.root_pid == 0 || options.root_pid == getpid();
  if (g->root) {
    snprintf(g->path, sizeof g->path, "%s", options.output_path);
    // An image that exec replaces us with keeps our pid: it must not take the
    // root's file. (Set before Python copies the environment into os.environ.)
    setenv("ARENATRACE_ROOT_PID", "-1", 1);
  }
  clock_gettime(CLOCK_MONOTONIC, &g->start);
  g->pid = getpid();
  g->lock.Init();
  // No GIL (the free-threaded build): the GIL holder's entry never opens.
  if constexpr (cpython::ParallelInterpreters::kAlways) g->lock.CloseFastEntry();
  FindThreadStateOffset();
  g->stacks = std::make_unique<StackTable>(options.max_depth, options.max_stack_nodes);
  g->active.reserve(kFlushBytes * 2);
  OpenStatm();
  pthread_key_create(&g_thread_key, &FreeThreadState);
  if (!OpenTraceFile()) return false;
  g_recording.store(true);
  pthread_atfork(&StopWriterBeforeFork, &UnlockInParent, &RestartInChild);
  StartWriterThread();
  return true;
}

namespace {

// --sample-bytes: bytes are sampled by a Poisson process of mean interval
// `mean`: the gaps between sampled bytes are exponentially distributed, and a
// block is sampled when a sampled byte falls in it. Its weight is its size
// divided by the probability of that, 1 - exp(-size/mean), so that sums of
// weights are unbiased estimates of the true totals.
uint64_t NextRandom(ThreadState* thread) {
  uint64_t x = thread->random_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  thread->random_state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

int64_t NextSampleGap(ThreadState* thread, uint64_t mean) {
  const double uniform = (static_cast<double>(NextRandom(thread) >> 11) + 0.5) * 0x1.0p-53;
  return static_cast<int64_t>(-std::log(uniform) * static_cast<double>(mean)) + 1;
}

// Whether this allocation is sampled, and then the bytes it stands for.
bool Sampled(ThreadState* thread, size_t size, uint64_t* weight) {
  const uint64_t mean = g->options.sample_bytes;
  if (__builtin_expect(thread->bytes_until_sample < 0, 0)) {
    thread->random_state = (static_cast<uint64_t>(syscall(SYS_gettid)) << 32) ^
                           reinterpret_cast<uintptr_t>(thread) ^ 0x9E3779B97F4A7C15ull;
    if (thread->random_state == 0) thread->random_state = 1;
    thread->bytes_until_sample = NextSampleGap(thread, mean);
  }
  thread->bytes_until_sample -= static_cast<int64_t>(size);
  if (__builtin_expect(thread->bytes_until_sample > 0, 1)) return false;
  thread->bytes_until_sample = NextSampleGap(thread, mean);
  const double probability = -std::expm1(-static_cast<double>(size) / static_cast<double>(mean));
  *weight =
      probability > 0 ? static_cast<uint64_t>(static_cast<double>(size) / probability + 0.5) : mean;
  return true;
}

bool Paused() { return g_pause_depth.load(std::memory_order_relaxed) != 0; }

// Whether an event may take the lock's GIL-holder entry (see recorder_lock.h):
// MEM and OBJ calls hold the GIL by CPython's rules, a RAW or traced call
// (PyTraceMalloc_Track may be called without the GIL) when its thread's
// state is attached; and only while no interpreter with its own GIL
// can run in parallel. When one appears, the fast entry closes for good.
__attribute__((noinline)) void CloseFastEntryOnce() {
  static std::atomic<bool> closed{false};
  if (!closed.exchange(true)) g->lock.CloseFastEntry();
}

inline bool EntersAsGilHolder(trace::Domain domain, bool attached) {
  // No GIL at all: the entry was closed when recording started.
  if constexpr (cpython::ParallelInterpreters::kAlways) return false;
  if (__builtin_expect(cpython::ParallelInterpreters::Possible(), 0)) {
    CloseFastEntryOnce();
    return false;
  }
  return attached || domain == trace::Domain::kMem || domain == trace::Domain::kObj;
}

class EventLock {
 public:
  explicit EventLock(bool as_gil_holder) : as_gil_holder_(as_gil_holder) {
    if (as_gil_holder) {
      fast_entry_ = g->lock.LockAsGilHolder();
    } else {
      g->lock.Lock();
    }
  }
  ~EventLock() {
    if (as_gil_holder_) {
      g->lock.UnlockAsGilHolder(fast_entry_);
    } else {
      g->lock.Unlock();
    }
  }
  EventLock(const EventLock&) = delete;
  EventLock& operator=(const EventLock&) = delete;

 private:
  const bool as_gil_holder_;
  bool fast_entry_ = false;
};

// Before taking the lock: the calling thread's Python stack, if it has one.
// Returns whether the thread's state is attached (it holds the GIL).
__attribute__((always_inline)) inline bool WalkStack(ThreadState* thread) {
  PyThreadState* tstate = arenatrace_attached_thread_state();
  thread->has_stack = tstate != nullptr;
  if (tstate != nullptr) g->stacks->Walk(tstate, &thread->stacks);
  return tstate != nullptr;
}

// Under the lock: the id of the stack WalkStack read.
__attribute__((always_inline)) inline uint32_t InternStack(ThreadState* thread) {
  return thread->has_stack ? g->stacks->Intern(&thread->stacks, &g->encoder) : trace::kEmptyStack;
}

// Under the lock: the record for a new block at `ptr`, sampled or not.
__attribute__((always_inline)) inline void PutAlloc(ThreadState* thread, trace::Domain domain,
                                                    void* ptr, size_t size, uint64_t weight,
                                                    uint64_t traced_domain = 0) {
  const uint32_t stack = InternStack(thread);
  const uint64_t address = reinterpret_cast<uint64_t>(ptr);
  if (g->options.sample_bytes == 0) {
    trace::Alloc record{domain, address, size, stack, traced_domain};
    g->encoder.Put(record);
  } else {
    g->sampled.insert(address);
    trace::AllocWeighted record{domain, address, size, stack, weight, traced_domain};
    g->encoder.Put(record);
  }
}

// Under the lock: the record for a free of `ptr`, if its allocation was
// recorded (always, unless sampling; nothing at all is written otherwise).
__attribute__((always_inline)) inline void PutFree(ThreadState* thread, trace::Domain domain,
                                                   void* ptr, uint64_t size_class,
                                                   uint64_t traced_domain = 0) {
  const uint64_t address = reinterpret_cast<uint64_t>(ptr);
  if (g->options.sample_bytes != 0 && g->sampled.erase(address) == 0) return;
  Prologue(thread);
  trace::Free record{domain, address, size_class, traced_domain};
  g->encoder.Put(record);
}

// An allocation of any domain (traced_domain: the tracemalloc domain number
// of a kTraced one); inlined into each caller, so the OBJ/MEM path pays
// nothing for the traced one's extra field.
__attribute__((always_inline)) inline void RecordAllocIn(trace::Domain domain, void* ptr,
                                                         size_t size, uint64_t traced_domain) {
  if (ptr == nullptr || Paused()) return;
  ThreadState* thread = CurrentThread();
  if (thread == nullptr) return;
  uint64_t weight = 0;
  if (g->options.sample_bytes != 0 && !Sampled(thread, size, &weight)) return;
  const bool attached = WalkStack(thread);
  EventLock lock(EntersAsGilHolder(domain, attached));
  if (g_recording.load(std::memory_order_relaxed) && !Full()) {
    Prologue(thread);
    PutAlloc(thread, domain, ptr, size, weight, traced_domain);
  }
}

}  // namespace

void RecordAlloc(trace::Domain domain, void* ptr, size_t size) {
  RecordAllocIn(domain, ptr, size, 0);
}

void RecordFree(trace::Domain domain, void* ptr, uint64_t size_class) {
  if (ptr == nullptr) return;
  ThreadState* thread = CurrentThread();
  if (thread == nullptr) return;
  const bool attached =
      domain == trace::Domain::kRaw && arenatrace_attached_thread_state() != nullptr;
  EventLock lock(EntersAsGilHolder(domain, attached));
  // Even when the event itself is dropped: a code object's id must die with it.
  if (domain == trace::Domain::kObj) g->stacks->NoticeObjectFree(ptr, size_class);
  if (g_recording.load(std::memory_order_relaxed) && !Full()) {
    PutFree(thread, domain, ptr, size_class);
  }
}

// As RecordAlloc and RecordFree for the RAW domain: the GIL may not be held
// (the stack is then the empty one), and the lock's GIL-holder entry is
// taken only by a thread whose state is attached.
void RecordTracedAlloc(uint64_t traced_domain, void* ptr, size_t size) {
  RecordAllocIn(trace::Domain::kTraced, ptr, size, traced_domain);
}

void RecordTracedFree(uint64_t traced_domain, void* ptr) {
  if (ptr == nullptr) return;
  ThreadState* thread = CurrentThread();
  if (thread == nullptr) return;
  const bool attached = arenatrace_attached_thread_state() != nullptr;
  EventLock lock(EntersAsGilHolder(trace::Domain::kTraced, attached));
  if (g_recording.load(std::memory_order_relaxed) && !Full()) {
    PutFree(thread, trace::Domain::kTraced, ptr, 0, traced_domain);
  }
}

bool RecorderCounts(StackTableCounts* counts) {
  if (!g_started || getpid() != g->pid) return false;
  // Without the lock: the statistics are printed at exit, maybe from a signal
  // handler that interrupted its holder; counts read mid-event are off by one
  // at most.
  *counts = g->stacks->Counts();
  return true;
}

void BeginRealloc(trace::Domain domain) {
  ThreadState* thread = CurrentThread();
  if (thread == nullptr) {  // out of memory; EndRealloc unlocks the same way
    g->lock.Lock();
    return;
  }
  const bool attached = WalkStack(thread);
  thread->realloc_as_gil_holder = EntersAsGilHolder(domain, attached);
  if (thread->realloc_as_gil_holder) {
    thread->realloc_fast_entry = g->lock.LockAsGilHolder();
  } else {
    g->lock.Lock();
  }
}

void EndRealloc(trace::Domain domain, void* old_ptr, void* new_ptr, size_t size) {
  ThreadState* thread = CurrentThread();
  if (new_ptr != nullptr && thread != nullptr && g_recording.load(std::memory_order_relaxed) &&
      !Full()) {
    Prologue(thread);
    if (g->options.sample_bytes != 0 || Paused()) {
      // The old block is released like a free; the new one is a new
      // allocation, sampled on its own (and not recorded while paused).
      if (old_ptr != nullptr) PutFree(thread, domain, old_ptr, 0);
      uint64_t weight = 0;
      if (!Paused() && (g->options.sample_bytes == 0 || Sampled(thread, size, &weight))) {
        PutAlloc(thread, domain, new_ptr, size, weight);
      }
    } else if (old_ptr == nullptr) {
      PutAlloc(thread, domain, new_ptr, size, 0);
    } else {
      const uint32_t stack = InternStack(thread);
      trace::Realloc record{domain, reinterpret_cast<uint64_t>(old_ptr),
                            reinterpret_cast<uint64_t>(new_ptr), size, stack};
      g->encoder.Put(record);
    }
  }
  if (thread != nullptr && thread->realloc_as_gil_holder) {
    g->lock.UnlockAsGilHolder(thread->realloc_fast_entry);
  } else {
    g->lock.Unlock();
  }
}

namespace {
// Not for a vfork child (which shares our memory): its callers check.
template <class R>
void RecordProcessEvent(R& record, bool start_writer = true) {
  if (!g_started || !g_recording.load()) return;
  ThreadState* thread = CurrentThread();
  if (thread == nullptr) return;
  // Most come from Python code (gc callbacks, the arenatrace module): from
  // the GIL holder, who need not make the others' threads fence.
  const bool attached = arenatrace_attached_thread_state() != nullptr;
  // Rare, and the moments a user compares with their own clock (marks):
  // the time is read afresh.
  AdvanceNow();
  EventLock lock(EntersAsGilHolder(trace::Domain::kRaw, attached));
  Prologue(thread, start_writer);
  g->encoder.Put(record);
}
}  // namespace

void InstallSignalHandlers() {
  if (!g_started || !g_recording.load()) return;
  if (g->options.mark_signal > 0) InstallMarkSignal(g->options.mark_signal);
  InstallFatalSignalHandlers();
}

void RecordFinalizing() {
  trace::Finalizing record;
  RecordProcessEvent(record);
}

void RecordMark(const char* label) {
  trace::Mark record{label};
  RecordProcessEvent(record);
}

void RecordSnapshotRequest(const char* label) {
  trace::SnapshotRequest record{label};
  RecordProcessEvent(record);
}

bool SnapshotRecordingPossible() { return g_started && g_recording.load() && getpid() == g->pid; }

bool WriteSnapshotChunk(const uint8_t* rows, size_t size) {
  if (!SnapshotRecordingPossible()) return false;
  Flush();  // what was recorded before the snapshot comes first
  pthread_mutex_lock(&g->flush_lock);
  if (g_recording.load()) WriteRecordsChunk(rows, size);
  pthread_mutex_unlock(&g->flush_lock);
  return g_recording.load();
}

void SetNewThreadCallback(void (*callback)()) { g_new_thread_callback = callback; }

bool ThreadsAwaitingNames() { return g_threads_awaiting_names.load(std::memory_order_relaxed); }

void NameThread(uint64_t native_id, const char* name) {
  if (!g_started || !g_recording.load()) return;
  const size_t name_hash = absl::HashOf(absl::string_view(name));
  g->lock.Lock();
  // The latest thread with this id: ids of finished threads are reused.
  for (auto known = g->known_threads.rbegin(); known != g->known_threads.rend(); ++known) {
    if (known->native_id != native_id) continue;
    if (!known->named) {
      known->named = true;
      if (--g->unnamed_threads == 0) {
        g_threads_awaiting_names.store(false, std::memory_order_relaxed);
      }
    }
    if (known->name_hash != name_hash) {
      known->name_hash = name_hash;
      trace::ThreadName record{known->index, name};
      g->encoder.Put(record);
    }
    break;
  }
  g->lock.Unlock();
}

void PauseRecording() {
  if (g_pause_depth.fetch_add(1) == 0) {
    trace::Pause record;
    RecordProcessEvent(record);
  }
}

void ResumeRecording() {
  int depth = g_pause_depth.load();
  while (depth > 0 && !g_pause_depth.compare_exchange_weak(depth, depth - 1)) {
  }
  if (depth == 1) {
    trace::Resume record;
    RecordProcessEvent(record);
  }
}

void RecordForkInParent(long child_pid) {
  trace::Fork record{static_cast<uint64_t>(child_pid)};
  RecordProcessEvent(record, /*start_writer=*/false);
}

void BeforeExec(const char* path) {
  if (!g_started || !g_recording.load() || getpid() != g->pid) return;
  g->lock.Lock();
  g->exec_pending = true;
  const bool nothing_recorded = g->writer == nullptr && g->active.empty();
  g->lock.Unlock();
  StopWriterThread();
  if (nothing_recorded) return;  // a fork child that execs at once: no file
  AdvanceNow();
  trace::Exec record{path != nullptr ? path : ""};
  RecordProcessEvent(record, /*start_writer=*/false);
  Flush();
}

void AfterFailedExec() {
  if (!g_started || getpid() != g->pid) return;
  g->lock.Lock();
  g->exec_pending = false;  // the next event restarts the writer thread
  g->lock.Unlock();
}

void RecordGc(bool start, uint64_t generation, uint64_t collected, uint64_t uncollectable) {
  if (start) {
    trace::GcStart record{generation};
    RecordProcessEvent(record);
  } else {
    trace::GcStop record{generation, collected, uncollectable};
    RecordProcessEvent(record);
  }
}

void StopRecording() {
  if (!g_started || !g_recording.load() || getpid() != g->pid) return;
  AdvanceNow();
  trace::End end;
  RecordProcessEvent(end, /*start_writer=*/false);
  g_recording.store(false);
  StopWriterThread();
  Flush();
}

}  // namespace arenatrace::preload
