#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "controller/leader_lease.h"
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
  std::string consumer = "controller";  // name within the consumer group and in the lease
  std::chrono::milliseconds resync_interval{30'000};
  // A host whose last heartbeat is older than this is NotReady: it gets no new work, and
  // after this long its containers move. At least three heartbeat intervals (checked by
  // validate()), so that one late heartbeat never moves anything.
  std::chrono::milliseconds node_grace{15'000};
  std::chrono::milliseconds heartbeat_interval{2'000};  // what the hosts use
  std::chrono::milliseconds lease_ttl{5'000};
  std::chrono::milliseconds monitor_interval{1'000};
  int block_ms = 1000;  // XREADGROUP BLOCK; below the lease renewal interval
  ScoringPolicy scoring = ScoringPolicy::kSpread;
};

// Returns why the options cannot work together, naming the values and the fix.
Status validate(const ControllerOptions& options);

// Turns desired state into placements, and keeps them right when hosts fail.
//
// For each container it chooses a host, allocates the address (idempotent per uid) and
// commits the assignment together with the host's allocated requests in one script. For a
// deleted container it marks the host's copy for removal and releases the address only after
// the host confirms. When a host stays NotReady past the grace period, or is drained, its
// containers move: the old address is held for the old copy, and the new copy gets a new
// address, so one address is never on two live containers.
//
// Every handler reads the current records and acts on them, never on a stream entry's
// content, so a duplicated, reordered or trimmed entry does no harm.
//
// Only the holder of the leader lease acts; the others wait as standbys. Single-threaded:
// run() owns the connection. Talks to Redis only.
class Controller {
 public:
  Controller(RedisClient& client, ControllerOptions options);
  ~Controller();

  // Runs until `stop` is set, waiting as a standby while another controller leads. Once it
  // has the lease, it claims the entries other controllers left unacknowledged, resyncs,
  // then processes the spec stream and watches the hosts. A lost lease makes it a standby
  // again. Redis outages are retried after a pause, and each one is logged.
  void run(const std::atomic<bool>& stop);

  // One full pass over every container, assignment, placement and held address.
  Status resync();

  // Brings one container's records in line with its spec. Idempotent.
  Status reconcile_container(const std::string& name);

  // A host confirmed that its copy (assignment uid) of the container is gone.
  Status handle_removal(const std::string& node, const std::string& name, const std::string& uid,
                        const std::string& assignment_uid);

  // Judges every host by its heartbeat, publishes changes of readiness, moves the
  // containers of hosts that stayed NotReady past the grace or are being drained, and
  // places Pending containers when a host changed. Runs every monitor_interval.
  Status monitor_nodes();

 private:
  struct NodeView {
    bool ready = false;
    int64_t heartbeat_age_ms = -1;  // -1: never sent one
  };

  // The hosts as Redis has them now: records, heartbeats, cordons and the server's clock.
  struct HostsSnapshot {
    std::map<std::string, nlohmann::json> nodes;
    std::map<std::string, int64_t> heartbeats;
    std::map<std::string, nlohmann::json> cordons;
    int64_t now_ms = 0;
  };

  // run() steps.
  bool keep_leading();
  void on_elected();
  void lead_once(bool& read_pending, std::chrono::steady_clock::time_point& next_resync,
                 std::chrono::steady_clock::time_point& next_monitor);
  Status handle(const SpecChange& change);

  // Placement (placement.cc).
  // Chooses a host and commits there. `excluded` hosts are never chosen: the host a copy is
  // being moved off, and hosts whose commit failed because they still hold another copy.
  Status place(const ObjectRecord& object, std::set<std::string> excluded = {});
  Status commit_new(const ObjectRecord& object, const std::string& node);
  Status update_assignment(const ObjectRecord& object, const std::string& node,
                           const nlohmann::json& assignment);
  Status moved_or_reported(const ObjectRecord& object, const std::string& node,
                           const nlohmann::json& assignment, const std::string& cause);
  Result<bool> fits_where_it_is(const ObjectRecord& object, const std::string& node,
                                const nlohmann::json& assignment);
  Result<std::string> gateway_for(const ipam::PoolSpec& pool, const std::string& node);
  Result<std::vector<NodeCandidate>> candidates();
  Result<std::optional<std::pair<std::string, nlohmann::json>>> find_assignment(
      const std::string& name);

  // Deletion.
  Status begin_removal(const ObjectRecord& object, const std::string& node,
                       const nlohmann::json& assignment);
  Status finish_deletion(const ObjectRecord& object);

  // Moving copies off hosts (eviction.cc).
  Status evict_all(const std::string& node, const std::string& cause, bool node_lost);
  // Moves one live copy off `node` when another host fits: returns the new host, or
  // (with no node) the counted reason why none fits, in which case nothing changed.
  Result<Placement> evict(const ObjectRecord& object, const std::string& node,
                          const nlohmann::json& assignment, const std::string& cause);
  Result<bool> still_draining(const std::string& node);
  Status hold_and_mark(const ObjectRecord& object, const std::string& node,
                       const nlohmann::json& assignment);
  Status mark_unknown(const ObjectRecord& object, const nlohmann::json& assignment,
                      const std::string& message);
  Status release_held(const std::string& node, const nlohmann::json& assignment);
  Status repair_held_addresses();
  Status retry_pending();

  // Readiness (node_monitor.cc).
  Result<HostsSnapshot> read_hosts();
  std::map<std::string, NodeView> judge_nodes(const HostsSnapshot& hosts) const;
  Status publish_condition(const std::string& node, const NodeView& view, int64_t now);

  Status set_pending(const ObjectRecord& object, const std::string& reason,
                     const std::string& message);
  void event(const ObjectRecord& object, const std::string& type, const std::string& reason,
             const std::string& message);
  bool may_act() const;

  RedisClient& client_;
  ControllerOptions options_;
  Store store_;
  std::unique_ptr<ipam::Ipam> ipam_;
  Scheduler scheduler_;
  LeaderLease lease_;

  // Monitor state of the current term.
  std::chrono::steady_clock::time_point leading_since_{};
  bool managed_ = false;  // set by run(): from then on, acting needs a valid lease
  std::map<std::string, bool> published_ready_;
  std::map<std::string, std::string> stay_reasons_;  // "node/name" -> why its copy cannot move
  std::string last_nodes_signature_;
  bool retry_pending_ = true;
};

}  // namespace raictl::controller
