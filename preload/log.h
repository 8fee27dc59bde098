// One-line messages from inside the profiled process, written straight to
// stderr with write(2): no stdio buffers to interleave with the program's own
// output, no allocation, usable from constructors and exit handlers.
#ifndef ARENATRACE_PRELOAD_LOG_H_
#define ARENATRACE_PRELOAD_LOG_H_

#include <unistd.h>

#include <cstdarg>
#include <cstdio>

namespace arenatrace::preload {

// Writes the whole buffer to `fd`, retrying short writes and EINTR.
inline void WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t written = write(fd, data, size);
    if (written <= 0) return;
    data += written;
    size -= static_cast<size_t>(written);
  }
}

// Prints "arenatrace: <message>\n" on stderr.
__attribute__((format(printf, 1, 2))) inline void Log(const char* format, ...) {
  char line[1024];
  int length = snprintf(line, sizeof line, "arenatrace: ");
  va_list args;
  va_start(args, format);
  const int body = vsnprintf(line + length, sizeof line - length - 1, format, args);
  va_end(args);
  length += body < 0 ? 0 : body;
  if (length > static_cast<int>(sizeof line) - 2) length = sizeof line - 2;
  line[length++] = '\n';
  WriteAll(STDERR_FILENO, line, static_cast<size_t>(length));
}

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_LOG_H_
