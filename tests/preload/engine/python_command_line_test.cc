#include "preload/engine/python_command_line.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace arenatrace::preload {
namespace {

PythonCommandLine Parse(std::vector<std::string> words) {
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return ParsePythonCommandLine(static_cast<int>(words.size()), argv.data());
}

TEST(PythonCommandLineTest, DevModeSpellings) {
  EXPECT_TRUE(Parse({"python", "-X", "dev", "app.py"}).dev_mode);
  EXPECT_TRUE(Parse({"python", "-Xdev", "-c", "pass"}).dev_mode);
  EXPECT_TRUE(Parse({"python", "-bX", "dev"}).dev_mode);
  EXPECT_FALSE(Parse({"python", "-X", "importtime", "app.py"}).dev_mode);
}

TEST(PythonCommandLineTest, ProgramArgumentsAreNotInterpreterOptions) {
  EXPECT_FALSE(Parse({"python", "app.py", "-X", "dev"}).dev_mode);
  EXPECT_FALSE(Parse({"python", "-c", "pass", "-X", "dev"}).dev_mode);
  EXPECT_FALSE(Parse({"python", "-m", "mod", "-E"}).ignores_environment);
  EXPECT_FALSE(Parse({"python", "-", "-E"}).ignores_environment);
  EXPECT_FALSE(Parse({"python", "-W", "-E", "app.py"}).ignores_environment);  // -W's value
}

TEST(PythonCommandLineTest, IgnoreEnvironment) {
  EXPECT_TRUE(Parse({"python", "-E", "app.py"}).ignores_environment);
  EXPECT_TRUE(Parse({"python", "-I", "-c", "pass"}).ignores_environment);
  EXPECT_TRUE(Parse({"python", "-sE"}).ignores_environment);
  EXPECT_FALSE(Parse({"python", "-s", "-u"}).ignores_environment);
}

}  // namespace
}  // namespace arenatrace::preload
