#include "tests/e2e/single_host.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <stdexcept>

namespace raictl::testing {

std::string source_path(const std::string& relative) {
  return std::string(RAICTL_SOURCE_DIR) + "/" + relative;
}

std::string binary_path(const std::string& relative) {
  return std::string(RAICTL_BINARY_DIR) + "/" + relative;
}

SingleHost::SingleHost() {
  netns_ = "raictl-e2e-" + std::to_string(getpid());
  socket_ = dir_.file("docker/docker.sock");

  auto netns = run_command({"ip", "netns", "add", netns_});
  if (netns.exit_code != 0) {
    throw std::runtime_error("ip netns add " + netns_ + " failed: " + netns.err);
  }
  run_command({"ip", "-n", netns_, "link", "set", "lo", "up"});

  auto daemon =
      run_command({source_path("scripts/dockerd.sh"), "start", "--dir", dir_.file("docker"),
                   "--netns", netns_, "--watch-pid", std::to_string(getpid())});
  if (daemon.exit_code != 0) {
    throw std::runtime_error("dockerd.sh start failed: " + daemon.err);
  }
  auto image = run_command({source_path("scripts/make-image.sh"), "--socket", socket_});
  if (image.exit_code != 0) {
    throw std::runtime_error("make-image.sh failed: " + image.err);
  }

  start_controller();
  start_node();
}

SingleHost::~SingleHost() {
  if (node_) {
    node_->stop(SIGTERM);
  }
  if (controller_) {
    controller_->stop(SIGTERM);
  }
  run_command({source_path("scripts/dockerd.sh"), "stop", "--dir", dir_.file("docker"), "--force"});
  run_command({"ip", "netns", "del", netns_});
}

void SingleHost::start_controller() {
  controller_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary_path("controller/raictl-controller"), "--redis", redis_.url(),
                               "--consumer", "e2e", "--resync-interval", "5"},
      dir_.file("controller.log"));
}

void SingleHost::start_node() {
  node_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary_path("reconciler/raictl-node"), "--name", "node-1", "--redis",
                               redis_.url(), "--docker-socket", socket_, "--address", "127.0.0.1",
                               "--backoff-initial", "1", "--backoff-max", "4", "--resync-interval",
                               "3"},
      dir_.file("node.log"));
}

CommandResult SingleHost::raictl(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv = {binary_path("raictl/raictl")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, input, {{"RAICTL_REDIS", redis_.url()}});
}

CommandResult SingleHost::docker(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/docker", "-H", "unix://" + socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

nlohmann::json SingleHost::status_of(const std::string& name) {
  auto result = raictl({"get", "container", name, "-o", "json"});
  if (result.exit_code != 0) {
    return nlohmann::json::object();
  }
  try {
    return nlohmann::json::parse(result.out).value("status", nlohmann::json::object());
  } catch (const nlohmann::json::exception&) {
    return nlohmann::json::object();
  }
}

bool SingleHost::all_running(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (status_of(name).value("phase", "") != "Running") {
      return false;
    }
  }
  return true;
}

std::string SingleHost::example(const std::string& file) const {
  return source_path("manifests/examples/" + file);
}

}  // namespace raictl::testing
