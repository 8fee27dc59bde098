// A descriptor the preload keeps open for the life of the process (the trace,
// /proc/self/statm). The program may close every descriptor it did not open
// itself (daemons, servers after fork: os.closerange(3, 4096)) and then open
// its own files, which get the numbers ours had. A descriptor kept by number
// alone would then write our chunks into the program's file, or read its
// file as ours. So ours sit at high numbers, away from the ones open() hands
// out first, close on exec, and are checked by identity (device and inode)
// before each use: a number that no longer names our file is forgotten, never
// written, read or closed.
#ifndef ARENATRACE_PRELOAD_ENGINE_KEPT_DESCRIPTOR_H_
#define ARENATRACE_PRELOAD_ENGINE_KEPT_DESCRIPTOR_H_

#include <sys/types.h>

namespace arenatrace::preload {

class KeptDescriptor {
 public:
  // Takes `fd` (just opened by us): moves it to a high number with FD_CLOEXEC
  // and remembers what it names. False (and `fd` closed) if it cannot.
  bool Adopt(int fd);
  // Whether the number still names the file Adopt saw. One fstat.
  bool StillOurs() const;
  // Closes it if it is still ours; forgets it either way.
  void Close();
  // Forgets the number without closing it (it may be the program's now).
  void Forget() { fd_ = -1; }
  bool open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Whether `fd` names the same file as this one did when adopted.
  bool SameFileAs(int fd) const;

 private:
  int fd_ = -1;
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_KEPT_DESCRIPTOR_H_
