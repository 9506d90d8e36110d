#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/redis_server.h"
#include "tests/support/temp_dir.h"

namespace raictl::testing {

// One simulated host with everything raictl needs, driven through the binaries as a user
// would: a private redis-server, a private dockerd inside a network namespace of its own
// (with the busybox test image imported), raictl-controller and raictl-node.
class SingleHost {
 public:
  SingleHost();
  ~SingleHost();

  // Runs `raictl ARGS...` against this host's Redis.
  CommandResult raictl(const std::vector<std::string>& args, const std::string& input = "");
  // Runs `docker ARGS...` against this host's private dockerd.
  CommandResult docker(const std::vector<std::string>& args);

  // The container's status as `raictl get container NAME -o json` prints it.
  nlohmann::json status_of(const std::string& name);
  bool all_running(const std::vector<std::string>& names);

  void start_controller();
  void start_node();
  ChildProcess& controller() { return *controller_; }
  ChildProcess& node() { return *node_; }

  const std::string& socket() const { return socket_; }
  RedisServer& redis() { return redis_; }
  std::string example(const std::string& file) const;

 private:
  TempDir dir_{"raictl-e2e"};
  std::string netns_;
  std::string socket_;
  RedisServer redis_;
  std::unique_ptr<ChildProcess> controller_;
  std::unique_ptr<ChildProcess> node_;
};

std::string source_path(const std::string& relative);
std::string binary_path(const std::string& relative);

}  // namespace raictl::testing
