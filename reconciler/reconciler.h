#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "core/result.h"
#include "core/store.h"
#include "reconciler/backoff.h"
#include "runtime/container_runtime.h"
#include "runtime/host_network.h"

namespace raictl::reconciler {

// Overlay settings that join this host's pool bridges to the other hosts: one VXLAN device
// per pool bridge, with a flooding FDB entry per peer host.
struct OverlayOptions {
  bool enabled = false;
  uint32_t vni = 4242;
  uint16_t port = kVxlanPort;
  std::string local_address;    // this host's underlay address
  std::string underlay_device;  // the device that has local_address
  int mtu = 0;                  // of the VXLAN device and the Docker bridge; 0: default
};

struct ReconcilerOptions {
  std::string node;  // this host's name
  BackoffPolicy backoff;
  OverlayOptions overlay;
};

// Outcome of one pass: when to run again at the latest (a backoff expiring), and how many
// assignments converged or still wait.
struct PassResult {
  std::optional<std::chrono::steady_clock::time_point> wake_at;
  int converged = 0;  // assignments that match the engine after the pass
  int pending = 0;    // assignments still waiting (backoff, missing image, errors)
};

// One host's convergence: compares the host's assignments in Redis with the containers the
// engine runs, and acts until they agree. A pass is synchronous and may take seconds
// (container stops wait for their grace period), so the node runs it on a worker thread,
// never on its event loop.
//
// Idempotent: a pass decides only from the records and the engine as they are now, so it
// can be repeated, interrupted by a crash or run after a lost wake-up without harm.
// Not thread-safe: one pass at a time.
class Reconciler {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `network` may be null when the overlay is disabled; it is used only then.
  Reconciler(ContainerRuntime& runtime, Store& store, ReconcilerOptions options,
             Clock clock = std::chrono::steady_clock::now, HostNetwork* network = nullptr);

  Result<PassResult> run_pass();

 private:
  // Per-container memory kept between passes: restart count and backoff deadline.
  struct Tracker {
    std::string uid;
    int restarts = 0;
    std::optional<std::chrono::steady_clock::time_point> retry_at;
    std::string last_status;  // canonical JSON last written, to skip identical writes
    std::string started_at;   // RFC 3339 time of the last start, kept in every status
  };

  struct Assignment {
    std::string name;
    std::string uid;
    int64_t generation = 0;
    nlohmann::json spec;
    std::map<std::string, std::string> labels;
    std::string ip;
    std::string pool;
    std::string subnet;
    std::string gateway;
    bool deleting = false;
  };

  // A container to stop and remove; `assignment` is set when the controller asked for it
  // and waits for the confirmation.
  struct Removal {
    std::optional<Assignment> assignment;
    std::string name;
    std::string container_id;  // empty: already gone, only confirm
    std::chrono::seconds grace{10};
  };

  Status ensure_network(const Assignment& assignment);
  Status ensure_overlay(const std::string& pool, const std::set<std::string>& peers);
  Result<std::set<std::string>> peer_addresses();
  void converge(const Assignment& assignment, const ContainerSummary* current, PassResult& result);
  void remove_all(std::vector<Removal> removals);
  void handle_exited(const Assignment& assignment, const ContainerInfo& info, PassResult& result);
  Status create_and_start(const Assignment& assignment, Tracker& tracker, PassResult& result);
  ContainerConfig to_container_config(const Assignment& assignment) const;

  void write_status(const Assignment& assignment, Tracker& tracker, nlohmann::json status);
  void event(const std::string& name, const std::string& type, const std::string& reason,
             const std::string& message);
  Tracker& tracker_for(const Assignment& assignment);
  static std::optional<Assignment> parse_assignment(const std::string& name,
                                                    const nlohmann::json& json);

  ContainerRuntime& runtime_;
  HostNetwork* network_;
  Store& store_;
  ReconcilerOptions options_;
  Clock clock_;
  std::map<std::string, Tracker> trackers_;
  std::set<std::string> ensured_networks_;
};

// Docker names derived from a pool name: the network "raictl-<pool>" and a bridge
// interface name that fits Linux's 15-byte limit for any pool name.
std::string network_name(const std::string& pool);
std::string bridge_name(const std::string& pool);
std::string vxlan_name(const std::string& pool);

}  // namespace raictl::reconciler
