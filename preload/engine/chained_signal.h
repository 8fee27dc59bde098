// A handler of ours for a signal the program may also want (the mark and
// snapshot signals): installed after CPython read the signal's disposition,
// so signal.getsignal() does not show it, with the handler that was there
// before (one installed from C before Python started) still called after
// ours. Async-signal-safe.
#ifndef ARENATRACE_PRELOAD_ENGINE_CHAINED_SIGNAL_H_
#define ARENATRACE_PRELOAD_ENGINE_CHAINED_SIGNAL_H_

#include <signal.h>

namespace arenatrace::preload {

class ChainedSignal {
 public:
  using Handler = void (*)(int, siginfo_t*, void*);

  // `what` names the purpose in the line said when it cannot be installed.
  void Install(int signal_number, Handler handler, const char* what);
  // Calls the handler that was there before ours, if any.
  void CallPrevious(int signal_number, siginfo_t* info, void* context) const;

 private:
  struct sigaction before_ = {};
};

}  // namespace arenatrace::preload

#endif  // ARENATRACE_PRELOAD_ENGINE_CHAINED_SIGNAL_H_
