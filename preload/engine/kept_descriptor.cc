#include "preload/engine/kept_descriptor.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace arenatrace::preload {
namespace {

// Programs that open many files get low numbers first; 600 stays clear of
// them and of closerange loops bounded by small guesses, while keeping the
// kernel's descriptor table small (it grows to the highest number in use).
constexpr int kLowestKeptNumber = 600;

int HighNumber() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return kLowestKeptNumber;
  }
  // A small limit: as high as it allows, leaving room for two of ours.
  const long highest = static_cast<long>(limit.rlim_cur) - 8;
  return highest < kLowestKeptNumber ? static_cast<int>(highest < 3 ? 3 : highest)
                                     : kLowestKeptNumber;
}

}  // namespace

bool KeptDescriptor::Adopt(int fd) {
  fd_ = -1;
  if (fd < 0) return false;
  int kept = fcntl(fd, F_DUPFD_CLOEXEC, HighNumber());
  if (kept >= 0) {
    close(fd);
  } else {
    kept = fd;  // no room up there: keep it where it is, still checked by identity
    fcntl(kept, F_SETFD, FD_CLOEXEC);
  }
  struct stat status;
  if (fstat(kept, &status) != 0) {
    close(kept);
    return false;
  }
  fd_ = kept;
  device_ = status.st_dev;
  inode_ = status.st_ino;
  return true;
}

bool KeptDescriptor::SameFileAs(int fd) const {
  struct stat status;
  return fd >= 0 && fstat(fd, &status) == 0 && status.st_dev == device_ && status.st_ino == inode_;
}

bool KeptDescriptor::StillOurs() const { return SameFileAs(fd_); }

void KeptDescriptor::Close() {
  if (StillOurs()) close(fd_);
  fd_ = -1;
}

}  // namespace arenatrace::preload
