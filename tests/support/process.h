#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace raictl::testing {

// A program started by a test, with its output in a log file. Killed by pid (SIGTERM,
// then SIGKILL) when the object dies, and also when the test process itself dies, so that
// no daemon outlives its test.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_path,
               std::map<std::string, std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` and waits up to `limit` for the exit; SIGKILL after that.
  void stop(int signal, std::chrono::milliseconds limit = std::chrono::seconds(10));
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program to completion (at most `limit`), feeding `input` on its stdin.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "",
                          const std::map<std::string, std::string>& env = {},
                          std::chrono::seconds limit = std::chrono::seconds(120));

// Polls `condition` every 200 ms until it is true or `limit` passes. Returns its last value.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    struct timespec pause = {0, 200'000'000};
    nanosleep(&pause, nullptr);
  }
}

}  // namespace raictl::testing
