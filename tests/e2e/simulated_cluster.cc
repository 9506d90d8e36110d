#include "tests/e2e/simulated_cluster.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "tests/e2e/single_host.h"

namespace raictl::testing {

namespace {

using std::chrono::seconds;

std::string last_lines(const std::string& path, int count) {
  auto tail = run_command({"tail", "-n", std::to_string(count), path});
  return "--- " + path + "\n" + tail.out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return lines;
}

}  // namespace

SimulatedCluster::SimulatedCluster() = default;

SimulatedCluster::~SimulatedCluster() {
  script({"down"});
}

bool SimulatedCluster::bridge_in_use() {
  return run_command({"ip", "link", "show", "rcl-br0"}).exit_code == 0;
}

CommandResult SimulatedCluster::up(int nodes, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"up", "--nodes", std::to_string(nodes), "--build",
                                   std::string(RAICTL_BINARY_DIR)};
  args.insert(args.end(), extra.begin(), extra.end());
  return script(args);
}

CommandResult SimulatedCluster::script(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {source_path("scripts/cluster.sh")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, "", {{"RAICTL_CLUSTER_DIR", dir_.path()}}, seconds(600));
}

CommandResult SimulatedCluster::raictl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binary_path("raictl/raictl")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, "", {{"RAICTL_REDIS", redis_url()}}, seconds(300));
}

CommandResult SimulatedCluster::docker(int host, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/docker", "-H", "unix://" + docker_socket(host)};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, "", {}, seconds(60));
}

CommandResult SimulatedCluster::redis(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"redis-cli", "-s", dir_.file("redis.sock")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

CommandResult SimulatedCluster::apply(const std::string& file_name, const std::string& text) {
  std::string path = dir_.file(file_name);
  std::ofstream(path) << text;
  return raictl({"apply", "-f", path});
}

nlohmann::json SimulatedCluster::statuses() {
  auto result = raictl({"get", "containers", "-o", "json"});
  nlohmann::json by_name = nlohmann::json::object();
  try {
    auto json = nlohmann::json::parse(result.out);
    auto items = json.contains("items") ? json["items"] : nlohmann::json::array({json});
    for (const auto& item : items) {
      by_name[item["metadata"]["name"].get<std::string>()] =
          item.value("status", nlohmann::json::object());
    }
  } catch (const nlohmann::json::exception&) {
    return nlohmann::json::object();
  }
  return by_name;
}

bool SimulatedCluster::all_running(const std::vector<std::string>& names) {
  auto all = statuses();
  for (const auto& name : names) {
    if (!all.contains(name) || all[name].value("phase", "") != "Running") {
      return false;
    }
  }
  return true;
}

int SimulatedCluster::controller_pid() const {
  std::ifstream in(dir_.file("controller.pid"));
  int pid = 0;
  in >> pid;
  return pid;
}

std::string SimulatedCluster::redis_url() const {
  return "unix://" + dir_.file("redis.sock");
}

std::string SimulatedCluster::docker_socket(int host) const {
  return dir_.file("host-" + std::to_string(host) + "/docker/docker.sock");
}

std::string SimulatedCluster::diagnostics() {
  std::string text = "\n--- raictl get containers -o wide\n" +
                     raictl({"get", "containers", "-o", "wide"}).out + "--- raictl get nodes\n" +
                     raictl({"get", "nodes"}).out + "--- raictl ipam check\n" +
                     raictl({"ipam", "check"}).out;
  text += last_lines(dir_.file("controller.log"), 30);
  for (int host = 1; host <= 8; ++host) {
    std::string log = dir_.file("host-" + std::to_string(host) + "/node.log");
    struct stat info;
    if (stat(log.c_str(), &info) == 0) {
      text += last_lines(log, 15);
    }
  }
  return text;
}

AddressSampler::AddressSampler(SimulatedCluster& cluster, int hosts)
    : cluster_(cluster), hosts_(hosts), thread_([this] { run(); }) {}

AddressSampler::~AddressSampler() {
  stop();
}

void AddressSampler::stop() {
  stop_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::vector<std::string> AddressSampler::conflicts() {
  std::lock_guard lock(mutex_);
  return conflicts_;
}

void AddressSampler::run() {
  while (!stop_) {
    auto started = std::chrono::steady_clock::now();
    std::vector<Running> sample;
    for (int host = 1; host <= hosts_; ++host) {
      sample_host(host, sample);
    }
    check(sample);
    ++samples_;

    // About one sample a second, however long the docker calls took.
    auto next = started + seconds(1);
    while (!stop_ && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void AddressSampler::check(const std::vector<Running>& sample) {
  std::map<std::string, std::vector<std::string>> owners;
  std::map<std::string, int> copies;
  for (const auto& container : sample) {
    ++copies[container.name];
    for (const auto& address : container.addresses) {
      owners[address].push_back(container.where);
    }
  }

  for (const auto& [name, count] : copies) {
    if (count > 1) {
      ++two_copy_samples_;
      break;
    }
  }
  for (const auto& [address, where] : owners) {
    if (where.size() > 1) {
      std::string line = address + " on";
      for (const auto& container : where) {
        line += " " + container;
      }
      std::lock_guard lock(mutex_);
      conflicts_.push_back(line);
    }
  }
}

void AddressSampler::sample_host(int host, std::vector<Running>& sample) {
  auto listed = cluster_.docker(host, {"ps", "-q"});
  auto ids = split_lines(listed.out);
  if (listed.exit_code != 0 || ids.empty()) {
    return;
  }
  std::vector<std::string> args = {
      "inspect", "-f",
      "{{.State.Running}} {{.Name}}{{range .NetworkSettings.Networks}} {{.IPAddress}}{{end}}"};
  args.insert(args.end(), ids.begin(), ids.end());
  // A container removed between ps and inspect makes inspect fail for that one id but
  // still print the others, so the output is used whatever the exit code.
  auto inspected = cluster_.docker(host, args);
  for (const auto& line : split_lines(inspected.out)) {
    std::istringstream fields(line);
    std::string running;
    Running container;
    fields >> running >> container.name;
    if (running != "true") {
      continue;
    }
    container.where = "host-" + std::to_string(host) + container.name;
    std::string address;
    while (fields >> address) {
      container.addresses.push_back(address);
    }
    sample.push_back(std::move(container));
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  auto elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() / 100) /
         10.0;
}

}  // namespace raictl::testing
