// Strings from a trace are what the program gave: file names, argv, labels
// and function names need not be valid UTF-8 (CPython keeps undecodable
// bytes of a path as lone surrogates, U+DC80-U+DCFF, which the recorder
// stores encoded as they are, ED B2 80 to ED B3 BF), and they may hold
// control characters. Printed as they are, they would break a table's
// layout or drive the user's terminal, and JSON must be valid UTF-8; these
// functions make them safe for each.
#ifndef ARENATRACE_ANALYZER_MODEL_TEXT_H_
#define ARENATRACE_ANALYZER_MODEL_TEXT_H_

#include <string>
#include <string_view>

namespace arenatrace::analyzer {

// For text output. Valid UTF-8 is kept, except control characters (C0, DEL,
// C1), which are written as \n, \t, \r or \xNN; bytes that are not valid
// UTF-8 become \xNN, and so does a surrogate that stands for an undecodable
// byte (\udcff is shown as \xff, the byte the program had). A backslash
// stays a backslash.
std::string Printable(std::string_view text);

// For JSON and other UTF-8 formats (pprof's strings). Valid UTF-8 is kept,
// control characters included (the format escapes them); each byte that is
// not valid UTF-8, and each surrogate, becomes U+FFFD.
std::string ValidUtf8(std::string_view text);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_MODEL_TEXT_H_
