// Measures the time from `raictl apply -f` of N containers until `raictl get containers -o
// json` shows all of them Running, against `docker run -d` of N equivalent containers (same
// image, command and network, addresses from the same pool) on the same private dockerd in
// the same run.
// Also prints the resident memory of raictl-controller and raictl-node while they manage
// the N containers. Prints figures and ratios; it asserts nothing.
//
// The host comes from tests/e2e/SingleHost: a private redis-server, a private dockerd in a
// network namespace of its own, raictl-controller and raictl-node. The fixture starts the
// node with short restart backoff and resync intervals for the tests, so this program
// replaces that node with one on the defaults of raictl-node.

#include <fmt/format.h>
#include <signal.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/result.h"
#include "tests/e2e/single_host.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace raictl {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kImage = "raictl/busybox:latest";
constexpr const char* kPoolName = "default";
constexpr const char* kPoolPrefix = "10.89.0.";  // the pool is 10.89.0.0/24, gateway .1
constexpr const char* kNetwork = "raictl-default";
constexpr const char* kNodeName = "node-1";  // the name SingleHost registers its node under
constexpr auto kPollInterval = std::chrono::milliseconds(100);

volatile std::sig_atomic_t interrupted = 0;

void on_signal(int) {
  interrupted = 1;
}

struct Options {
  int containers = 30;
  int rounds = 1;
  int timeout_seconds = 300;
  std::string log_dir;
};

// One timed raictl run: apply, wait for Running, sample memory, delete.
struct RaictlRun {
  double apply_seconds = 0;          // the `raictl apply` process alone
  double first_running_seconds = 0;  // from the apply until the first container is Running
  double all_running_seconds = 0;    // from the apply until every container is Running
  long controller_rss_kib = 0;
  long node_rss_kib = 0;
  double delete_seconds = 0;  // `raictl delete -f ... --wait`
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void pause_for(std::chrono::milliseconds duration) {
  struct timespec pause = {0, static_cast<long>(duration.count()) * 1'000'000};
  nanosleep(&pause, nullptr);
}

std::string container_name(int index) {
  return "bench-" + std::to_string(index + 1);
}

std::string docker_name(int index) {
  return "docker-bench-" + std::to_string(index + 1);
}

// The docker baseline takes addresses of the same pool from .2 upwards (.1 is the gateway).
// raictl's IPAM may pick other addresses of the pool, which costs Docker nothing extra.
std::string docker_address(int index) {
  return kPoolPrefix + std::to_string(index + 2);
}

std::string container_manifest(const std::string& name) {
  return fmt::format(
      "apiVersion: raictl.io/v1\n"
      "kind: Container\n"
      "metadata:\n"
      "  name: {}\n"
      "spec:\n"
      "  image: {}\n"
      "  command: [sleep, \"3600\"]\n",
      name, kImage);
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) {
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("writing {} failed; check that its directory is writable", path));
  }
  return Status::Ok();
}

struct Manifests {
  std::string pool;
  std::string warmup;  // one container, applied untimed so that the node creates the network
  std::string containers;
};

Result<Manifests> write_manifests(const testing::TempDir& dir, int count) {
  Manifests paths{dir.file("pool.yaml"), dir.file("warmup.yaml"), dir.file("containers.yaml")};

  std::string pool = fmt::format(
      "apiVersion: raictl.io/v1\n"
      "kind: Pool\n"
      "metadata:\n"
      "  name: {}\n"
      "spec:\n"
      "  cidr: {}0/24\n"
      "  gateway: {}1\n",
      kPoolName, kPoolPrefix, kPoolPrefix);
  std::string containers;
  for (int i = 0; i < count; ++i) {
    containers += (i == 0 ? "" : "---\n") + container_manifest(container_name(i));
  }

  for (const auto& [path, text] :
       {std::pair{paths.pool, pool}, std::pair{paths.warmup, container_manifest("bench-warmup")},
        std::pair{paths.containers, containers}}) {
    if (Status written = write_file(path, text); !written) {
      return written.error();
    }
  }
  return paths;
}

Status run_checked(const testing::CommandResult& result, const std::string& command) {
  if (result.exit_code != 0) {
    return make_error(ErrorCode::kInternal, fmt::format("{} exited with {}: {}{}", command,
                                                        result.exit_code, result.err, result.out));
  }
  return Status::Ok();
}

// Returns the names of the containers that `raictl get containers -o json` lists as Running.
Result<std::set<std::string>> running_containers(testing::SingleHost& host) {
  auto listed = host.raictl({"get", "containers", "-o", "json"});
  if (Status ok = run_checked(listed, "raictl get containers -o json"); !ok) {
    return ok.error();
  }

  std::set<std::string> running;
  try {
    auto document = nlohmann::json::parse(listed.out);
    for (const auto& item : document.value("items", nlohmann::json::array())) {
      auto status = item.value("status", nlohmann::json::object());
      if (status.value("phase", "") == "Running") {
        running.insert(item.at("metadata").at("name").get<std::string>());
      }
    }
  } catch (const nlohmann::json::exception& error) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("raictl get containers -o json printed invalid JSON ({}): {}",
                                  error.what(), listed.out));
  }
  return running;
}

// Polls every kPollInterval until `names` are all Running. Returns the seconds from
// `start` until the first and until the last of them was seen Running.
Result<std::pair<double, double>> wait_until_running(testing::SingleHost& host,
                                                     const std::vector<std::string>& names,
                                                     Clock::time_point start,
                                                     const Options& options) {
  auto deadline = start + std::chrono::seconds(options.timeout_seconds);
  std::optional<double> first;
  while (!interrupted) {
    auto running = running_containers(host);
    if (!running) {
      return running.error();
    }
    double elapsed = seconds_since(start);

    size_t count = 0;
    for (const auto& name : names) {
      count += running->contains(name) ? 1 : 0;
    }
    if (count > 0 && !first) {
      first = elapsed;
    }
    if (count == names.size()) {
      return std::pair{*first, elapsed};
    }
    if (Clock::now() >= deadline) {
      return make_error(ErrorCode::kTimeout,
                        fmt::format("timed out after {} s with {} of {} containers Running; "
                                    "raise --timeout or read the node's log (--log-dir)",
                                    options.timeout_seconds, count, names.size()));
    }
    pause_for(kPollInterval);
  }
  return make_error(ErrorCode::kInternal, "interrupted by a signal");
}

// Returns VmRSS from /proc/PID/status in KiB.
Result<long> resident_kib(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      long kib = 0;
      std::istringstream(line.substr(6)) >> kib;
      return kib;
    }
  }
  return make_error(ErrorCode::kNotFound,
                    fmt::format("no VmRSS in /proc/{}/status; the process has exited", pid));
}

Result<RaictlRun> time_raictl(testing::SingleHost& host, testing::ChildProcess& node,
                              const Manifests& manifests, const Options& options) {
  std::vector<std::string> names;
  for (int i = 0; i < options.containers; ++i) {
    names.push_back(container_name(i));
  }

  RaictlRun run;
  auto start = Clock::now();
  auto applied = host.raictl({"apply", "-f", manifests.containers});
  run.apply_seconds = seconds_since(start);
  if (Status ok = run_checked(applied, "raictl apply"); !ok) {
    return ok.error();
  }
  auto running = wait_until_running(host, names, start, options);
  if (!running) {
    return running.error();
  }
  run.first_running_seconds = running->first;
  run.all_running_seconds = running->second;

  auto controller_rss = resident_kib(host.controller().pid());
  auto node_rss = resident_kib(node.pid());
  if (!controller_rss || !node_rss) {
    return controller_rss ? node_rss.error() : controller_rss.error();
  }
  run.controller_rss_kib = *controller_rss;
  run.node_rss_kib = *node_rss;

  auto delete_start = Clock::now();
  auto deleted = host.raictl({"delete", "-f", manifests.containers, "--wait", "--timeout",
                              std::to_string(options.timeout_seconds)});
  run.delete_seconds = seconds_since(delete_start);
  if (Status ok = run_checked(deleted, "raictl delete --wait"); !ok) {
    return ok.error();
  }
  return run;
}

Result<int> count_running_docker(testing::SingleHost& host) {
  auto listed =
      host.docker({"ps", "-q", "--filter", "name=^docker-bench-", "--filter", "status=running"});
  if (Status ok = run_checked(listed, "docker ps"); !ok) {
    return ok.error();
  }
  return static_cast<int>(std::count(listed.out.begin(), listed.out.end(), '\n'));
}

Status remove_docker_containers(testing::SingleHost& host, int count) {
  std::vector<std::string> argv = {"rm", "-f"};
  for (int i = 0; i < count; ++i) {
    argv.push_back(docker_name(i));
  }
  return run_checked(host.docker(argv), "docker rm -f");
}

// Runs the containers one `docker run -d` at a time, as a shell loop would, then polls
// `docker ps` until all of them are running. Returns the seconds that took.
Result<double> time_docker(testing::SingleHost& host, const Options& options) {
  auto start = Clock::now();
  for (int i = 0; i < options.containers && !interrupted; ++i) {
    auto started = host.docker({"run", "-d", "--name", docker_name(i), "--network", kNetwork,
                                "--ip", docker_address(i), kImage, "sleep", "3600"});
    if (Status ok = run_checked(started, "docker run " + docker_name(i)); !ok) {
      return ok.error();
    }
  }

  auto deadline = start + std::chrono::seconds(options.timeout_seconds);
  while (!interrupted) {
    auto running = count_running_docker(host);
    if (!running) {
      return running.error();
    }
    if (*running == options.containers) {
      double seconds = seconds_since(start);
      if (Status removed = remove_docker_containers(host, options.containers); !removed) {
        return removed.error();
      }
      return seconds;
    }
    if (Clock::now() >= deadline) {
      return make_error(ErrorCode::kTimeout,
                        fmt::format("timed out after {} s with {} of {} docker containers "
                                    "running; raise --timeout",
                                    options.timeout_seconds, *running, options.containers));
    }
    pause_for(kPollInterval);
  }
  return make_error(ErrorCode::kInternal, "interrupted by a signal");
}

// Replaces the fixture's node, which runs with test-sized intervals, by one on raictl-node's
// defaults (resync 10 s, restart backoff 10 s doubling to 300 s).
std::unique_ptr<testing::ChildProcess> start_default_node(testing::SingleHost& host,
                                                          const std::string& log_path) {
  host.node().stop(SIGTERM);
  return std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{testing::binary_path("reconciler/raictl-node"), "--name", kNodeName,
                               "--redis", host.redis().url(), "--docker-socket", host.socket(),
                               "--address", "127.0.0.1"},
      log_path);
}

// Applies the pool and one container untimed, so that the node has created the pool's
// Docker network before either method is timed, then deletes the container again.
Status warm_up(testing::SingleHost& host, const Manifests& manifests, const Options& options) {
  for (const auto& path : {manifests.pool, manifests.warmup}) {
    if (Status ok = run_checked(host.raictl({"apply", "-f", path}), "raictl apply -f " + path);
        !ok) {
      return ok;
    }
  }
  auto running = wait_until_running(host, {"bench-warmup"}, Clock::now(), options);
  if (!running) {
    return running.error();
  }
  return run_checked(host.raictl({"delete", "-f", manifests.warmup, "--wait", "--timeout",
                                  std::to_string(options.timeout_seconds)}),
                     "raictl delete -f " + manifests.warmup);
}

void print_round(int round, const char* order, const RaictlRun& raictl, double docker, int count) {
  fmt::print("round {} ({})\n", round, order);
  fmt::print(
      "  raictl: apply {:.2f} s, first Running {:.2f} s, all {} Running {:.2f} s ({:.0f} ms "
      "per container), delete --wait {:.2f} s\n",
      raictl.apply_seconds, raictl.first_running_seconds, count, raictl.all_running_seconds,
      1000 * raictl.all_running_seconds / count, raictl.delete_seconds);
  fmt::print("  docker: all {} running {:.2f} s ({:.0f} ms per container)\n", count, docker,
             1000 * docker / count);
  fmt::print("  ratio raictl/docker {:.2f} (target at most 1.30)\n",
             raictl.all_running_seconds / docker);
  fmt::print(
      "  resident memory with {} containers: raictl-controller {:.1f} MiB, raictl-node "
      "{:.1f} MiB (target at most 20 MB each)\n",
      count, raictl.controller_rss_kib / 1024.0, raictl.node_rss_kib / 1024.0);
}

Status run_rounds(testing::SingleHost& host, testing::ChildProcess& node,
                  const Manifests& manifests, const Options& options) {
  double raictl_total = 0;
  double docker_total = 0;
  for (int round = 0; round < options.rounds; ++round) {
    // The untimed warm-up already ran one container, so neither method meets a cold daemon.
    // Docker goes first in round 1, and further rounds alternate the order.
    bool docker_first = round % 2 == 0;
    Result<double> docker_seconds = 0.0;
    Result<RaictlRun> raictl_run = RaictlRun{};
    if (docker_first) {
      docker_seconds = time_docker(host, options);
      raictl_run = docker_seconds ? time_raictl(host, node, manifests, options) : raictl_run;
    } else {
      raictl_run = time_raictl(host, node, manifests, options);
      docker_seconds = raictl_run ? time_docker(host, options) : docker_seconds;
    }
    if (!docker_seconds) {
      return docker_seconds.error();
    }
    if (!raictl_run) {
      return raictl_run.error();
    }

    print_round(round + 1, docker_first ? "docker first" : "raictl first", *raictl_run,
                *docker_seconds, options.containers);
    raictl_total += raictl_run->all_running_seconds;
    docker_total += *docker_seconds;
  }

  if (options.rounds > 1) {
    int total = options.containers * options.rounds;
    fmt::print(
        "all rounds: raictl {:.2f} s ({:.0f} ms per container), docker {:.2f} s ({:.0f} ms "
        "per container), ratio raictl/docker {:.2f} (target at most 1.30)\n",
        raictl_total, 1000 * raictl_total / total, docker_total, 1000 * docker_total / total,
        raictl_total / docker_total);
  }
  return Status::Ok();
}

// Copies the node's and the controller's logs into --log-dir before the fixture's temporary
// directory goes away.
void keep_logs(const Options& options, testing::SingleHost& host) {
  if (options.log_dir.empty()) {
    return;
  }
  std::error_code error;
  std::filesystem::copy_file(host.controller().log_path(), options.log_dir + "/controller.log",
                             std::filesystem::copy_options::overwrite_existing, error);
  if (error) {
    fmt::print(stderr, "apply_bench: copying the controller's log to {} failed: {}\n",
               options.log_dir, error.message());
  }
}

int run(const Options& options) {
  testing::TempDir dir{"raictl-apply-bench"};
  auto manifests = write_manifests(dir, options.containers);
  if (!manifests) {
    fmt::print(stderr, "apply_bench: {}\n", manifests.error().message);
    return 1;
  }
  std::string node_log = (options.log_dir.empty() ? dir.path() : options.log_dir) + "/node.log";

  testing::SingleHost host;
  auto node = start_default_node(host, node_log);
  fmt::print(
      "{} containers ({} sleep 3600) on pool {}0/24, one private dockerd; polling every "
      "{} ms; node on default intervals\n",
      options.containers, kImage, kPoolPrefix, kPollInterval.count());

  Status result = warm_up(host, *manifests, options);
  if (result) {
    result = run_rounds(host, *node, *manifests, options);
  }
  if (!result) {
    fmt::print(stderr, "apply_bench: {}\n", result.error().message);
  }

  // Stop the node before the fixture stops dockerd, so that it does not log the lost socket.
  node.reset();
  keep_logs(options, host);
  return result ? 0 : 1;
}

}  // namespace
}  // namespace raictl

int main(int argc, char** argv) {
  raictl::Options options;
  CLI::App app{"Time raictl apply until Running against docker run of the same containers"};
  app.add_option("--containers", options.containers, "containers per method and round")
      ->check(CLI::Range(1, 200))
      ->capture_default_str();
  app.add_option("--rounds", options.rounds,
                 "measurement rounds; docker goes first in the first, then the order alternates")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  app.add_option("--timeout", options.timeout_seconds,
                 "seconds to wait for the containers of one method to run or be deleted")
      ->check(CLI::Range(10, 3600))
      ->capture_default_str();
  app.add_option("--log-dir", options.log_dir,
                 "existing directory to keep node.log and controller.log in (default: discarded)")
      ->check(CLI::ExistingDirectory);
  CLI11_PARSE(app, argc, argv);

  // SIGINT and SIGTERM end the polling loops, so the destructors stop every process and
  // remove the namespace.
  std::signal(SIGINT, raictl::on_signal);
  std::signal(SIGTERM, raictl::on_signal);

  try {
    return raictl::run(options);
  } catch (const std::exception& error) {
    // SingleHost reports a failed start (ip netns, dockerd.sh, make-image.sh) by throwing.
    std::fprintf(stderr, "apply_bench: %s\n", error.what());
    return 1;
  }
}
