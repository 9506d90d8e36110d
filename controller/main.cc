// raictl-controller: places containers on hosts, allocates their addresses and finishes
// deletions. Run one per cluster.
// NOTE: two controllers would split the spec stream through the consumer group, but no
// leader lease keeps them from placing the same container at once.
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
  int grace_seconds = 15;
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
                 "seconds without a heartbeat before a host is not Ready")
      ->check(CLI::Range(1, 3600));
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
  address->timeout = std::chrono::milliseconds(10'000);
  options.resync_interval = std::chrono::seconds(resync_seconds);
  options.node_grace = std::chrono::seconds(grace_seconds);
  options.scoring = scoring == "binpack" ? raictl::controller::ScoringPolicy::kBinpack
                                         : raictl::controller::ScoringPolicy::kSpread;

  auto client = raictl::RedisClient::connect(*address);
  if (!client) {
    logger->error("{}", client.error().message);
    return 1;
  }

  raictl::controller::Controller controller(**client, options);
  controller.run(stop);
  return 0;
}
