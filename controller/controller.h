#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "controller/scheduler.h"
#include "core/redis_client.h"
#include "core/result.h"
#include "core/store.h"
#include "ipam/pool_layout.h"

namespace raictl::ipam {
class Ipam;
}

namespace raictl::controller {

struct ControllerOptions {
  std::string consumer = "controller";  // name within the controllers' consumer group
  std::chrono::milliseconds resync_interval{30'000};
  // A host whose last heartbeat is older than this is not Ready and gets no new work.
  std::chrono::milliseconds node_grace{15'000};
  int block_ms = 2000;  // XREADGROUP BLOCK; must stay below the Redis client timeout
  ScoringPolicy scoring = ScoringPolicy::kSpread;
};

// Turns desired state into placements. For each container it chooses a host, allocates the
// address (idempotent per uid), writes the host's assignment and wakes the host. For a
// deleted container it sets `deleting` on the host's assignment, and it releases the address
// only after the host confirms. Every handler reads the current records and acts on them, never on
// the stream entry's content, so a duplicated, reordered or trimmed entry does no harm.
//
// Single-threaded: run() owns the connection. Talks to Redis only.
class Controller {
 public:
  Controller(RedisClient& client, ControllerOptions options);
  ~Controller();

  // Processes pending entries first (left by a crashed predecessor of the same consumer
  // name), then new ones, with a full resync at start and every resync_interval. Returns
  // when `stop` becomes true; retries Redis outages with a pause, logging each one.
  void run(const std::atomic<bool>& stop);

  // One full pass over every container, assignment and placement.
  Status resync();

  // Brings one container's records in line with its spec. Idempotent.
  Status reconcile_container(const std::string& name);

  // A host confirmed that the container with this uid is gone.
  Status handle_removal(const std::string& node, const std::string& name, const std::string& uid);

 private:
  Status handle(const SpecChange& change);
  Status place(const ObjectRecord& object);
  Status update_assignment(const ObjectRecord& object, const std::string& node,
                           nlohmann::json assignment);
  Status begin_removal(const ObjectRecord& object, const std::string& node);
  Status finish_deletion(const ObjectRecord& object);
  Result<std::string> gateway_for(const ipam::PoolSpec& pool, const std::string& node);
  Result<std::vector<NodeCandidate>> candidates();
  Result<std::optional<std::pair<std::string, nlohmann::json>>> find_assignment(
      const std::string& name);
  Status set_pending(const ObjectRecord& object, const std::string& reason,
                     const std::string& message);
  void event(const ObjectRecord& object, const std::string& type, const std::string& reason,
             const std::string& message);

  RedisClient& client_;
  ControllerOptions options_;
  Store store_;
  std::unique_ptr<ipam::Ipam> ipam_;
  Scheduler scheduler_;
};

}  // namespace raictl::controller
