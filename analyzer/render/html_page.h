// One self-contained HTML file: the page's markup, style and scripts (the
// files of render/html/ and the pinned npm packages, embedded into the
// binary at build time) and the report's data, so that it opens offline and
// fetches nothing.
#ifndef ARENATRACE_ANALYZER_RENDER_HTML_PAGE_H_
#define ARENATRACE_ANALYZER_RENDER_HTML_PAGE_H_

#include <nlohmann/json.hpp>
#include <string>

namespace arenatrace::analyzer {

// `data` is what render/html/app.js reads (docs/REPORTS.md, "report").
std::string HtmlPage(const std::string& title, const nlohmann::json& data);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_HTML_PAGE_H_
