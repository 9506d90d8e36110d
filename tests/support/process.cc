#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace raictl::testing {

namespace {

[[noreturn]] void exec_child(const std::vector<std::string>& argv,
                             const std::map<std::string, std::string>& env) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (const auto& [key, value] : env) {
    setenv(key.c_str(), value.c_str(), 1);
  }
  std::vector<char*> pointers;
  for (const auto& arg : argv) {
    pointers.push_back(const_cast<char*>(arg.c_str()));
  }
  pointers.push_back(nullptr);
  execvp(pointers[0], pointers.data());
  _exit(127);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool wait_exit(pid_t pid, std::chrono::milliseconds limit, int* status) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t done = waitpid(pid, status, WNOHANG);
    if (done == pid || done < 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_path,
                           std::map<std::string, std::string> env)
    : log_path_(std::move(log_path)) {
  signal(SIGPIPE, SIG_IGN);
  pid_ = fork();
  if (pid_ < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    exec_child(argv, env);
  }
}

ChildProcess::~ChildProcess() {
  stop(SIGTERM);
}

bool ChildProcess::running() {
  if (pid_ <= 0) {
    return false;
  }
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ChildProcess::stop(int signal, std::chrono::milliseconds limit) {
  if (pid_ <= 0) {
    return;
  }
  int status = 0;
  kill(pid_, signal);
  if (!wait_exit(pid_, limit, &status)) {
    kill(pid_, SIGKILL);
    wait_exit(pid_, std::chrono::seconds(5), &status);
  }
  pid_ = -1;
}

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          const std::map<std::string, std::string>& env,
                          std::chrono::seconds limit) {
  char out_template[] = "/tmp/raictl-cmd-out-XXXXXX";
  char err_template[] = "/tmp/raictl-cmd-err-XXXXXX";
  char in_template[] = "/tmp/raictl-cmd-in-XXXXXX";
  int out_fd = mkstemp(out_template);
  int err_fd = mkstemp(err_template);
  int in_fd = mkstemp(in_template);
  if (write(in_fd, input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    throw std::runtime_error("writing command input failed");
  }
  lseek(in_fd, 0, SEEK_SET);

  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    exec_child(argv, env);
  }
  close(in_fd);
  close(out_fd);
  close(err_fd);

  CommandResult result;
  int status = 0;
  if (!wait_exit(pid, limit, &status)) {
    kill(pid, SIGKILL);
    wait_exit(pid, std::chrono::seconds(5), &status);
    result.err = "timed out after " + std::to_string(limit.count()) + " s\n";
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_template);
  result.err += read_file(err_template);
  unlink(out_template);
  unlink(err_template);
  unlink(in_template);
  return result;
}

}  // namespace raictl::testing
