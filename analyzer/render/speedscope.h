// speedscope's file format (https://www.speedscope.app/file-format-schema.json):
// the frames shared, then two "sampled" profiles of the same stacks, one
// weighted by bytes and one by blocks.
#ifndef ARENATRACE_ANALYZER_RENDER_SPEEDSCOPE_H_
#define ARENATRACE_ANALYZER_RENDER_SPEEDSCOPE_H_

#include <string>

#include "analyzer/analyses/stack_profile.h"

namespace arenatrace::analyzer {

std::string SpeedscopeJson(const StackProfile& profile, const std::string& name);

}  // namespace arenatrace::analyzer

#endif  // ARENATRACE_ANALYZER_RENDER_SPEEDSCOPE_H_
