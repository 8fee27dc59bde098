#include "preload/engine/chained_signal.h"

#include <cerrno>
#include <cstring>

#include "preload/log.h"

namespace arenatrace::preload {

void ChainedSignal::Install(int signal_number, Handler handler, const char* what) {
  struct sigaction action = {};
  action.sa_sigaction = handler;
  action.sa_flags = SA_SIGINFO | SA_RESTART;  // the program's blocking calls go on undisturbed
  sigemptyset(&action.sa_mask);
  if (sigaction(signal_number, &action, &before_) != 0) {
    Log("cannot handle signal %d for %s: %s", signal_number, what, strerror(errno));
  }
}

void ChainedSignal::CallPrevious(int signal_number, siginfo_t* info, void* context) const {
  if (before_.sa_flags & SA_SIGINFO) {
    if (before_.sa_sigaction != nullptr) before_.sa_sigaction(signal_number, info, context);
  } else if (before_.sa_handler != SIG_DFL && before_.sa_handler != SIG_IGN &&
             before_.sa_handler != nullptr) {
    before_.sa_handler(signal_number);
  }
}

}  // namespace arenatrace::preload
