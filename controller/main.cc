// raictl-controller: places containers on hosts, allocates their addresses, finishes
// deletions and moves containers off lost or drained hosts. Run two or more per cluster:
// one leads, the others stand by and take over when its lease expires.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>

#include "controller/controller.h"
#include "core/log.h"
#include "core/process.h"
#include "core/redis_address.h"

namespace {

std::atomic<bool> stop{false};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raictl-controller: schedules containers onto hosts and allocates their IPs"};
  std::string redis_url = raictl::default_redis_url();
  raictl::controller::ControllerOptions options;
  char hostname[256] = "controller";
  gethostname(hostname, sizeof(hostname) - 1);
  options.consumer = std::string(hostname) + "-" + std::to_string(getpid());
  int resync_seconds = 30;
  double grace_seconds = 15;
  double heartbeat_seconds = 2;
  double lease_seconds = 5;
  std::string scoring = "spread";

  app.add_option("--redis", redis_url,
                 "store URL: redis://HOST:PORT/DB or unix:///PATH?db=N (default: $RAICTL_REDIS "
                 "or redis://127.0.0.1:6379/0); password from RAICTL_REDIS_PASSWORD or "
                 "RAICTL_REDIS_PASSWORD_FILE");
  app.add_option("--consumer", options.consumer,
                 "name within the controllers' consumer group (default: HOSTNAME-PID); reuse it "
                 "after a restart to take over the entries the old process left unacknowledged");
  app.add_option("--resync-interval", resync_seconds, "seconds between full resyncs")
      ->check(CLI::Range(1, 3600));
  app.add_option("--node-grace", grace_seconds,
                 "seconds without a heartbeat before a host is NotReady and its containers "
                 "move; at least three heartbeat intervals")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--heartbeat-interval", heartbeat_seconds,
                 "seconds between the hosts' heartbeats (raictl-node --heartbeat-interval)")
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--lease-ttl", lease_seconds,
                 "seconds the leader lease lasts without renewal; a standby takes over after it")
      ->check(CLI::Range(3.0, 60.0));
  app.add_option("--scoring", scoring, "placement policy: spread or binpack")
      ->check(CLI::IsMember({"spread", "binpack"}));
  CLI11_PARSE(app, argc, argv);

  raictl::install_signal_handlers(stop);
  auto logger = raictl::component_logger("controller");

  auto address = raictl::redis_address_from_environment(redis_url);
  if (!address) {
    logger->error("{}", address.error().message);
    return 1;
  }
  auto millis = [](double seconds) {
    return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  };
  options.resync_interval = std::chrono::seconds(resync_seconds);
  options.node_grace = millis(grace_seconds);
  options.heartbeat_interval = millis(heartbeat_seconds);
  options.lease_ttl = millis(lease_seconds);
  options.scoring = scoring == "binpack" ? raictl::controller::ScoringPolicy::kBinpack
                                         : raictl::controller::ScoringPolicy::kSpread;
  if (auto valid = raictl::controller::validate(options); !valid) {
    logger->error("{}", valid.error().message);
    return 2;
  }
  // A call that hangs longer than the lease lets a standby take over while this process
  // still believes it leads. The fence refuses its writes, and this timeout ends its wait.
  address->timeout = options.lease_ttl;

  auto client = raictl::RedisClient::connect(*address);
  if (!client) {
    logger->error("{}", client.error().message);
    return 1;
  }

  raictl::controller::Controller controller(**client, options);
  controller.run(stop);
  return 0;
}
