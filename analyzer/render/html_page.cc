#include "analyzer/render/html_page.h"

#include <string_view>

#include "absl/strings/str_replace.h"
#include "analyzer/render/html_assets.h"

namespace arenatrace::analyzer {
namespace {

std::string EscapeHtml(std::string_view text) {
  return absl::StrReplaceAll(std::string(text),
                             {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

// JSON inside <script> ends at the first "</": written as "<\/", which JSON
// reads back as the same string. U+2028/9 are valid JSON but were not valid
// JavaScript before ES2019; escaped for old engines.
std::string ScriptSafeJson(const nlohmann::json& data) {
  const std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return absl::StrReplaceAll(
      text, {{"</", "<\\/"}, {"<!--", "<\\u0021--"}, {"\u2028", "\\u2028"}, {"\u2029", "\\u2029"}});
}

}  // namespace

std::string HtmlPage(const std::string& title, const nlohmann::json& data) {
  return absl::StrReplaceAll(std::string(html_assets::kPageHtml),
                             {{"@TITLE@", EscapeHtml(title)},
                              {"/*@STYLE@*/", std::string(html_assets::kStyle)},
                              {"/*@LIBRARIES@*/", std::string(html_assets::kLibraries)},
                              {"/*@SCRIPT@*/", std::string(html_assets::kScript)},
                              {"@DATA@", ScriptSafeJson(data)}});
}

}  // namespace arenatrace::analyzer
