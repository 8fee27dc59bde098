// Replays a TraceBuilder's trace with the given observers.
#ifndef ARENATRACE_TESTS_ANALYZER_REPLAY_HELPER_H_
#define ARENATRACE_TESTS_ANALYZER_REPLAY_HELPER_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "analyzer/replay/replay.h"
#include "tests/analyzer/trace_builder.h"

namespace arenatrace::testing {

inline std::unique_ptr<analyzer::Replay> ReplayOf(TraceBuilder& builder,
                                                  std::vector<analyzer::ReplayObserver*> observers,
                                                  analyzer::Selection selection = {}) {
  TempPath path;
  EXPECT_TRUE(builder.Write(path.path()));
  auto replay = std::make_unique<analyzer::Replay>(std::move(selection));
  for (analyzer::ReplayObserver* observer : observers) replay->Add(observer);
  std::string error;
  EXPECT_TRUE(replay->Run(path.path(), &error)) << error;
  return replay;
}

}  // namespace arenatrace::testing

#endif  // ARENATRACE_TESTS_ANALYZER_REPLAY_HELPER_H_
