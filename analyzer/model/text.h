// Strings from a trace are what the program gave: file names, argv, labels
// and function names need not be valid UTF-8 (CPython keeps undecodable
// bytes of a path as surrogates, which the recorder stores as they are), and
// they may hold control characters. Printed as they are, they would break a
// table's layout or drive the user's terminal; these functions make them
// safe to print. JSON output replaces invalid UTF-8 with U+FFFD instead
// (render/json_output.h).
#ifndef ARENATRACE_ANALYZER_MODEL_TEXT_H_
#define ARENATRACE_ANALYZER_MODEL_TEXT_H_

#include <string>
#include <string_view>

namespace arenatrace::analyzer {

// Valid UTF-8 is kept, except control characters (C0, DEL, C1), which are
// written as \n, \t, \r or \xNN; bytes that are not valid UTF-8 become \xNN.
// A backslash stays a backslash.
std::string Printable(std::string_view text);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_MODEL_TEXT_H_
