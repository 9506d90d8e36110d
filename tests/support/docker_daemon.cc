#include "tests/support/docker_daemon.h"

#include <unistd.h>

#include <stdexcept>

#include "tests/support/process.h"

namespace raictl::testing {

namespace {

const std::string kScripts = std::string(RAICTL_SOURCE_DIR) + "/scripts/";

}  // namespace

DockerDaemon::DockerDaemon(Options options)
    : options_(options), socket_path_(dir_.file("docker.sock")) {
  if (options_.network_namespace) {
    // TempDir ends in six random characters, which keeps namespace names unique.
    netns_ = "raictl-t-" + dir_.path().substr(dir_.path().size() - 6);
    run_script({"ip", "netns", "add", netns_});
    run_script({"ip", "-n", netns_, "link", "set", "lo", "up"});
  }
  try {
    start();
  } catch (...) {
    if (!netns_.empty()) {
      run_command({"ip", "netns", "delete", netns_});
    }
    throw;
  }
}

DockerDaemon::~DockerDaemon() {
  stop();
  if (!netns_.empty()) {
    run_command({"ip", "netns", "delete", netns_});
  }
}

DockerDaemon& DockerDaemon::shared() {
  static DockerDaemon daemon;
  return daemon;
}

void DockerDaemon::start() {
  std::vector<std::string> argv = {
      kScripts + "dockerd.sh", "start", "--dir", dir_.path(), "--watch-pid",
      std::to_string(getpid())};
  if (!netns_.empty()) {
    argv.insert(argv.end(), {"--netns", netns_});
  }
  if (options_.iptables) {
    argv.push_back("--iptables");
  }
  run_script(argv);
  running_ = true;

  if (options_.build_image) {
    run_script({kScripts + "make-image.sh", "--socket", socket_path_});
  }
}

void DockerDaemon::stop() {
  if (!running_) {
    return;
  }
  running_ = false;
  // Not run_script: a destructor must not throw. The script's output is in its log.
  run_command({kScripts + "dockerd.sh", "stop", "--dir", dir_.path(), "--force"});
}

std::vector<std::string> DockerDaemon::in_netns(std::vector<std::string> argv) const {
  if (netns_.empty()) {
    return argv;
  }
  argv.insert(argv.begin(), {"nsenter", "--net=/run/netns/" + netns_});
  return argv;
}

std::vector<std::string> DockerDaemon::docker_cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"/usr/bin/docker", "-H", "unix://" + socket_path_};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void DockerDaemon::run_script(const std::vector<std::string>& argv) const {
  CommandResult result = run_command(argv);
  if (result.exit_code != 0) {
    std::string command;
    for (const auto& arg : argv) {
      command += (command.empty() ? "" : " ") + arg;
    }
    throw std::runtime_error("`" + command + "` exited with " + std::to_string(result.exit_code) +
                             ": " + result.out + result.err);
  }
}

}  // namespace raictl::testing
