#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace raictl::testing {

// A cluster of simulated hosts from scripts/cluster.sh, driven the way an operator drives
// it: the script, the raictl CLI, docker through each host's socket and redis-cli on the
// cluster's socket. Its state lives in a temporary directory of its own, and the
// destructor runs `cluster.sh down`.
//
// The script's namespaces, bridge and underlay have fixed names, so only one cluster can
// exist on the machine at a time: a second one (scripts/demo.sh, another test program)
// would share the bridge. bridge_in_use() lets a test refuse to start next to one.
class SimulatedCluster {
 public:
  SimulatedCluster();
  ~SimulatedCluster();
  SimulatedCluster(const SimulatedCluster&) = delete;
  SimulatedCluster& operator=(const SimulatedCluster&) = delete;

  // True when the script's underlay bridge exists, that is, some cluster is up.
  static bool bridge_in_use();

  // `cluster.sh up --nodes N --build BUILD EXTRA...`.
  CommandResult up(int nodes, const std::vector<std::string>& extra = {});
  // `cluster.sh ARGS...`, for the commands that take no build directory.
  CommandResult script(const std::vector<std::string>& args);

  CommandResult raictl(const std::vector<std::string>& args);
  // Docker's CLI aimed at host-I's dockerd.
  CommandResult docker(int host, const std::vector<std::string>& args);
  // redis-cli on the cluster's unix socket, raw output.
  CommandResult redis(const std::vector<std::string>& args);

  // Writes `text` to a file in the state directory and applies it.
  CommandResult apply(const std::string& file_name, const std::string& text);

  // Container name -> status JSON, from `raictl get containers -o json`. Empty when the
  // output does not parse.
  nlohmann::json statuses();
  bool all_running(const std::vector<std::string>& names);

  // The pid of the cluster's own raictl-controller from its pid file, or 0 when there is none.
  int controller_pid() const;
  std::string redis_url() const;
  std::string file(const std::string& name) const { return dir_.file(name); }
  std::string docker_socket(int host) const;

  // `get containers -o wide`, `get nodes`, `ipam check` and the end of every log: printed
  // when an assertion fails, so a failure in CI shows what the cluster was doing.
  std::string diagnostics();

 private:
  TempDir dir_{"raictl-sc"};
};

// Samples every running container of every host about once a second on a thread of its
// own and records each sample in which one address is on two running containers. The
// samples go through `docker ps` and `docker inspect` on each host's socket, so they see
// what Docker runs, not what raictl believes. A host whose dockerd is down contributes
// nothing to a sample.
class AddressSampler {
 public:
  AddressSampler(SimulatedCluster& cluster, int hosts);
  ~AddressSampler();
  AddressSampler(const AddressSampler&) = delete;
  AddressSampler& operator=(const AddressSampler&) = delete;

  // Stops sampling. The results stay readable.
  void stop();
  int samples() const { return samples_; }
  // Samples in which one container name ran on two hosts at once (an old copy beside its
  // replacement): the moments in which a reused address would have shown.
  int two_copy_samples() const { return two_copy_samples_; }
  // One line per conflicting sample: the address and the host/container pairs.
  std::vector<std::string> conflicts();

 private:
  struct Running {
    std::string where;  // "host-I/NAME"
    std::string name;
    std::vector<std::string> addresses;
  };

  void run();
  void check(const std::vector<Running>& sample);
  // Appends every container running on host-I.
  void sample_host(int host, std::vector<Running>& sample);

  SimulatedCluster& cluster_;
  int hosts_;
  std::atomic<bool> stop_{false};
  std::atomic<int> samples_{0};
  std::atomic<int> two_copy_samples_{0};
  std::mutex mutex_;
  std::vector<std::string> conflicts_;
  std::thread thread_;
};

// Seconds since `start`, with one decimal, for the timings a test prints.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace raictl::testing
