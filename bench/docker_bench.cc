// Measures create + start + remove of containers through runtime/ (libcurl on dockerd's
// socket) against the same work through Debian's docker CLI (/usr/bin/docker run -d, then
// rm -f), in the same run against the same daemon, image and network. Prints both times
// and their ratio; it asserts nothing.
//
// Without --socket it starts a private dockerd in its own network namespace with
// tests/support/DockerDaemon (scripts/dockerd.sh and scripts/make-image.sh).

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "runtime/docker_runtime.h"
#include "tests/support/docker_daemon.h"
#include "tests/support/process.h"

namespace raictl {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kNetwork = "raictl-bench";
constexpr const char* kImage = testing::DockerDaemon::kImage;
constexpr const char* kDockerCli = "/usr/bin/docker";

struct Options {
  std::string socket;
  int containers = 20;
  int rounds = 3;
};

// One way of doing the work; returns false (after printing why) on the first failure.
using Method = bool (*)(const Options&, DockerRuntime&, const std::string& prefix, int count);

bool run_through_runtime(const Options&, DockerRuntime& runtime, const std::string& prefix,
                         int count) {
  for (int i = 0; i < count; ++i) {
    ContainerConfig spec;
    spec.name = prefix + std::to_string(i);
    spec.image = kImage;
    spec.command = {"sleep", "600"};
    spec.network = NetworkAttachment{kNetwork, ""};
    auto id = runtime.create_container(spec);
    Status started = id ? runtime.start_container(*id) : Status(id.error());
    if (!started.ok()) {
      fmt::print(stderr, "docker_bench: {}\n", started.error().message);
      return false;
    }
  }
  for (int i = 0; i < count; ++i) {
    if (Status removed = runtime.remove_container(prefix + std::to_string(i)); !removed.ok()) {
      fmt::print(stderr, "docker_bench: {}\n", removed.error().message);
      return false;
    }
  }
  return true;
}

bool run_cli(const std::vector<std::string>& argv) {
  testing::CommandResult result = testing::run_command(argv);
  if (result.exit_code != 0) {
    fmt::print(stderr, "docker_bench: {} exited with {}: {}\n", fmt::join(argv, " "),
               result.exit_code, result.err);
    return false;
  }
  return true;
}

bool run_through_cli(const Options& options, DockerRuntime&, const std::string& prefix, int count) {
  std::string host = "unix://" + options.socket;
  for (int i = 0; i < count; ++i) {
    if (!run_cli({kDockerCli, "-H", host, "run", "-d", "--name", prefix + std::to_string(i),
                  "--network", kNetwork, kImage, "sleep", "600"})) {
      return false;
    }
  }
  for (int i = 0; i < count; ++i) {
    if (!run_cli({kDockerCli, "-H", host, "rm", "-f", prefix + std::to_string(i)})) {
      return false;
    }
  }
  return true;
}

// Returns the seconds one method took, or a negative value when it failed.
double time_method(Method method, const Options& options, DockerRuntime& runtime,
                   const std::string& prefix, int count) {
  auto started = Clock::now();
  if (!method(options, runtime, prefix, count)) {
    return -1;
  }
  return std::chrono::duration<double>(Clock::now() - started).count();
}

int run(Options options) {
  std::unique_ptr<testing::DockerDaemon> daemon;
  if (options.socket.empty()) {
    daemon = std::make_unique<testing::DockerDaemon>();
    options.socket = daemon->socket_path();
  }

  auto runtime = DockerRuntime::create(options.socket);
  if (!runtime) {
    fmt::print(stderr, "docker_bench: {}\n", runtime.error().message);
    return 1;
  }
  auto image = (*runtime)->image_exists(kImage);
  if (!image || !*image) {
    fmt::print(stderr,
               "docker_bench: image {} is missing; build it with "
               "scripts/make-image.sh --socket {}\n",
               kImage, options.socket);
    return 1;
  }
  NetworkSpec network;
  network.name = kNetwork;
  network.subnet = "10.211.0.0/24";
  if (auto ensured = (*runtime)->ensure_network(network); !ensured) {
    fmt::print(stderr, "docker_bench: {}\n", ensured.error().message);
    return 1;
  }

  // One untimed pass of each warms dockerd's caches and the page cache for the CLI binary.
  if (!run_through_runtime(options, **runtime, "bench-warm-rt-", 2) ||
      !run_through_cli(options, **runtime, "bench-warm-cli-", 2)) {
    return 1;
  }

  auto engine = (*runtime)->engine_info();
  fmt::print("dockerd {} (API {}), {} CPUs; {} containers per method and round, {} rounds\n",
             engine ? engine->server_version : "?", engine ? engine->api_version : "?",
             engine ? engine->cpus : 0, options.containers, options.rounds);
  fmt::print("{:>5}  {:>12}  {:>12}  {:>8}\n", "round", "runtime/ s", "docker CLI s", "ratio");

  double runtime_total = 0;
  double cli_total = 0;
  for (int round = 0; round < options.rounds; ++round) {
    // Alternating the order keeps a slow start of the daemon from favouring one method.
    double runtime_seconds = 0;
    double cli_seconds = 0;
    std::string suffix = std::to_string(round) + "-";
    if (round % 2 == 0) {
      runtime_seconds = time_method(run_through_runtime, options, **runtime, "bench-rt-" + suffix,
                                    options.containers);
      cli_seconds = time_method(run_through_cli, options, **runtime, "bench-cli-" + suffix,
                                options.containers);
    } else {
      cli_seconds = time_method(run_through_cli, options, **runtime, "bench-cli-" + suffix,
                                options.containers);
      runtime_seconds = time_method(run_through_runtime, options, **runtime, "bench-rt-" + suffix,
                                    options.containers);
    }
    if (runtime_seconds < 0 || cli_seconds < 0) {
      return 1;
    }
    runtime_total += runtime_seconds;
    cli_total += cli_seconds;
    fmt::print("{:>5}  {:>12.2f}  {:>12.2f}  {:>8.2f}\n", round + 1, runtime_seconds, cli_seconds,
               runtime_seconds / cli_seconds);
  }

  int total_containers = options.containers * options.rounds;
  fmt::print("{:>5}  {:>12.2f}  {:>12.2f}  {:>8.2f}\n", "all", runtime_total, cli_total,
             runtime_total / cli_total);
  fmt::print(
      "per container: runtime/ {:.0f} ms, docker CLI {:.0f} ms; ratio runtime/CLI {:.2f} "
      "(target at most 1.10)\n",
      1000 * runtime_total / total_containers, 1000 * cli_total / total_containers,
      runtime_total / cli_total);

  if (Status removed = (*runtime)->remove_network(kNetwork); !removed.ok()) {
    fmt::print(stderr, "docker_bench: {}\n", removed.error().message);
  }
  return 0;
}

}  // namespace
}  // namespace raictl

int main(int argc, char** argv) {
  raictl::Options options;
  CLI::App app{"Compare container create/start/remove through runtime/ and the docker CLI"};
  app.add_option("--socket", options.socket,
                 "dockerd API socket to use (default: start a private dockerd)");
  app.add_option("--containers", options.containers, "containers per method and round")
      ->check(CLI::Range(1, 500));
  app.add_option("--rounds", options.rounds, "measurement rounds")->check(CLI::Range(1, 50));
  CLI11_PARSE(app, argc, argv);

  try {
    return raictl::run(options);
  } catch (const std::exception& error) {
    // DockerDaemon reports a failed start by throwing.
    std::fprintf(stderr, "docker_bench: %s\n", error.what());
    return 1;
  }
}
