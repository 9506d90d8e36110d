// raictl-node: runs on every host, converging the host's Docker engine to the containers
// the controller assigned to it, and reporting their status.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>

#include "core/log.h"
#include "core/names.h"
#include "core/process.h"
#include "reconciler/node_agent.h"
#include "reconciler/node_config.h"
#include "runtime/docker_runtime.h"

namespace {

std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raictl-node: runs the containers assigned to this host"};
  raictl::reconciler::NodeOptions options;
  std::string redis_url = raictl::default_redis_url();
  std::string docker_socket = "/var/run/docker.sock";
  std::vector<std::string> labels;
  double heartbeat = 2, resync = 10, backoff_initial = 10, backoff_max = 300;

  char hostname[256] = {};
  gethostname(hostname, sizeof(hostname) - 1);
  options.name = hostname;

  app.add_option("--name", options.name, "this host's name in the cluster (default: hostname)");
  app.add_option("--redis", redis_url,
                 "store URL: redis://HOST:PORT/DB or unix:///PATH?db=N (default: $RAICTL_REDIS "
                 "or redis://127.0.0.1:6379/0); password from RAICTL_REDIS_PASSWORD or "
                 "RAICTL_REDIS_PASSWORD_FILE");
  app.add_option("--docker-socket", docker_socket, "Docker Engine API socket")
      ->capture_default_str();
  app.add_option("--address", options.address,
                 "this host's underlay IPv4 address as other hosts reach it; the VXLAN "
                 "overlay uses it (default: the node name, which turns the overlay off)");
  app.add_option("--label", labels, "host label KEY=VALUE, for nodeSelector; repeatable");
  std::string cpus, memory;
  app.add_option("--cpus", cpus,
                 "CPUs this host offers to containers, such as 2 or 1.5, instead of what Docker "
                 "reports (for hosts that keep some for themselves, or simulated hosts)")
      ->type_name("N");
  app.add_option("--memory", memory,
                 "memory this host offers to containers, such as 2Gi or 1536Mi, instead of "
                 "what Docker reports")
      ->type_name("QUANTITY");
  app.add_option("--heartbeat-interval", heartbeat, "seconds between heartbeats")
      ->check(CLI::Range(0.1, 60.0))
      ->capture_default_str();
  app.add_option("--resync-interval", resync, "seconds between full reconcile passes")
      ->check(CLI::Range(0.5, 3600.0))
      ->capture_default_str();
  app.add_option("--backoff-initial", backoff_initial,
                 "seconds before the first restart of a crashed container; doubles per crash")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--backoff-max", backoff_max, "maximum restart delay in seconds")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  bool no_overlay = false;
  app.add_flag("--no-overlay", no_overlay,
               "do not create the VXLAN device: containers reach only this host's containers");
  app.add_option("--vni", options.vni, "VXLAN network identifier, the same on every host")
      ->check(CLI::Range(1u, raictl::kMaxVni))
      ->capture_default_str();
  app.add_option("--vxlan-port", options.vxlan_port,
                 "VXLAN UDP port, the same on every host; open it between hosts")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.overlay = !no_overlay;

  std::signal(SIGPIPE, SIG_IGN);
  auto logger = raictl::component_logger("node");

  if (auto valid = raictl::validate_dns1123_label(options.name, "node name"); !valid) {
    logger->error("{}", valid.error().message);
    return 1;
  }
  for (const auto& label : labels) {
    auto equals = label.find('=');
    if (equals == std::string::npos || equals == 0) {
      logger->error("invalid --label \"{}\": use KEY=VALUE, for example --label zone=a", label);
      return 1;
    }
    std::string key = label.substr(0, equals);
    std::string value = label.substr(equals + 1);
    if (auto valid = raictl::validate_label_key(key); !valid) {
      logger->error("{}", valid.error().message);
      return 1;
    }
    if (auto valid = raictl::validate_label_value(key, value); !valid) {
      logger->error("{}", valid.error().message);
      return 1;
    }
    options.labels[key] = value;
  }
  if (!cpus.empty()) {
    auto millis = raictl::reconciler::parse_cpus_flag(cpus);
    if (!millis) {
      logger->error("{}", millis.error().message);
      return 1;
    }
    options.cpu_millis = *millis;
  }
  if (!memory.empty()) {
    auto bytes = raictl::reconciler::parse_memory_flag(memory);
    if (!bytes) {
      logger->error("{}", bytes.error().message);
      return 1;
    }
    options.memory_bytes = *bytes;
  }
  if (backoff_max < backoff_initial) {
    logger->error("--backoff-max {} is less than --backoff-initial {}: raise --backoff-max",
                  backoff_max, backoff_initial);
    return 1;
  }

  auto address = raictl::redis_address_from_environment(redis_url);
  if (!address) {
    logger->error("{}", address.error().message);
    return 1;
  }
  options.redis = *address;
  options.heartbeat_interval = seconds_to_ms(heartbeat);
  options.resync_interval = seconds_to_ms(resync);
  options.backoff.initial = seconds_to_ms(backoff_initial);
  options.backoff.maximum = seconds_to_ms(backoff_max);
  if (options.address.empty()) {
    options.address = options.name;
  }

  auto runtime = raictl::DockerRuntime::create(docker_socket);
  if (!runtime) {
    logger->error("{}", runtime.error().message);
    return 1;
  }
  raictl::reconciler::NodeAgent agent(std::move(options), std::move(runtime).value());
  return agent.run();
}
