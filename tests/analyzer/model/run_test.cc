// Finding a run's traces beside its root: children by pid and parent pid,
// exec images by pid, and an earlier run's files left out.
#include "analyzer/model/run.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "tests/analyzer/trace_builder.h"

namespace arenatrace::analyzer {
namespace {

using testing::TraceBuilder;

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/arenatrace-run-XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void Write(const std::string& name, uint64_t pid, uint64_t ppid, uint64_t start) {
    TraceBuilder b;
    b.header().pid = pid;
    b.header().ppid = ppid;
    b.header().start_unix_micros = start;
    b.End();
    ASSERT_TRUE(b.Write(dir_ + "/" + name));
  }
  std::string dir_;
};

TEST_F(RunTest, ChildrenExecImagesAndStrangers) {
  Write("out.atrace", 100, 1, 5000000);
  Write("out.atrace.101", 101, 100,
        4999990);  // forked by the root: its clock is the root's, give or take
  Write("out.atrace.102", 102, 101, 5003000);    // forked by the child
  Write("out.atrace.100", 100, 1, 5002500);      // the root exec'd into a new image
  Write("out.atrace.555", 555, 554, 5004000);    // no parent in this run
  Write("out.atrace.103", 103, 100, 10);         // older than the root: an earlier run's
  Write("out.atrace.other", 104, 100, 5005000);  // not a process suffix: not looked at
  ASSERT_EQ(mkfifo((dir_ + "/out.atrace.106").c_str(), 0600), 0);  // not a trace: skipped
  analyzer::Run run;
  std::string error;
  ASSERT_TRUE(FindRun(dir_ + "/out.atrace", &run, &error)) << error;
  ASSERT_EQ(run.traces.size(), 4u);
  EXPECT_EQ(run.traces[0].header.pid, 100u);
  EXPECT_EQ(run.traces[0].parent, -1);
  std::vector<std::pair<uint64_t, int>> pid_and_parent_pid;
  for (const TraceFile& t : run.traces) {
    pid_and_parent_pid.emplace_back(
        t.header.pid, t.parent < 0 ? -1 : static_cast<int>(run.traces[t.parent].header.pid));
  }
  EXPECT_EQ(pid_and_parent_pid,
            (std::vector<std::pair<uint64_t, int>>{{100, -1}, {101, 100}, {102, 101}, {100, 100}}));
  EXPECT_TRUE(run.traces[3].exec_image);
  EXPECT_EQ(run.traces[2].depth, 2u);
  ASSERT_EQ(run.warnings.size(), 2u);
  EXPECT_NE(run.warnings[0].find("not a regular file"), std::string::npos) << run.warnings[0];
  EXPECT_NE(run.warnings[1].find("2 trace files"), std::string::npos) << run.warnings[1];
}

TEST_F(RunTest, ARootThatIsNotATraceIsRefused) {
  analyzer::Run run;
  std::string error;
  EXPECT_FALSE(FindRun(dir_ + "/missing.atrace", &run, &error));
  EXPECT_NE(error.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace arenatrace::analyzer
