#include "preload/engine/python_command_line.h"

#include <cstring>

namespace arenatrace::preload {

PythonCommandLine ParsePythonCommandLine(int argc, char** argv) {
  PythonCommandLine result;
  for (int i = 1; i < argc && argv[i] != nullptr; ++i) {
    const char* arg = argv[i];
    if (arg[0] != '-' || arg[1] == '\0') break;  // the script, or "-" (stdin)
    if (arg[1] == '-') {
      if (arg[2] == '\0') break;  // "--": what follows is the script
      // Long options; only --check-hash-based-pycs takes a separate value.
      if (strcmp(arg, "--check-hash-based-pycs") == 0) ++i;
      continue;
    }
    // A cluster of one-letter options, such as -bEX dev or -Xdev.
    for (const char* letter = arg + 1; *letter != '\0'; ++letter) {
      if (*letter == 'c' || *letter == 'm') return result;  // the rest belongs to the program
      if (*letter == 'E' || *letter == 'I') result.ignores_environment = true;
      if (*letter == 'X' || *letter == 'W') {
        const char* value = letter[1] != '\0' ? letter + 1 : (i + 1 < argc ? argv[++i] : nullptr);
        if (*letter == 'X' && value != nullptr && strcmp(value, "dev") == 0) result.dev_mode = true;
        break;
      }
    }
  }
  return result;
}

}  // namespace arenatrace::preload
