#pragma once

#include <atomic>
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
// Each assignment names one copy of a container (its assignment uid), and each container
// this host creates carries that copy's id in the label raictl.assignment. A pass first
// removes every container the host no longer owns (no assignment of that name, another copy
// id, or an evicted entry), and only then creates, starts or wires anything. So a host that
// comes back after its containers were moved elsewhere stops its old copies before it
// starts anything new.
//
// Idempotent: a pass decides only from the records and the engine as they are now, so it
// can be repeated, interrupted by a crash or run after a lost wake-up without harm.
// Not thread-safe: one pass at a time. Only rewrite_statuses() may be called from another
// thread.
class Reconciler {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `network` may be null when the overlay is disabled; it is used only then.
  Reconciler(ContainerRuntime& runtime, Store& store, ReconcilerOptions options,
             Clock clock = std::chrono::steady_clock::now, HostNetwork* network = nullptr);

  Result<PassResult> run_pass();

  // Makes the next pass that starts write the status of every container this host runs,
  // even where it equals the status written last. The controller overwrites the statuses of
  // a host it considers NotReady, and only a rewrite puts the host's view back.
  // Thread-safe: the node calls it from its loop thread while a pass may run.
  void rewrite_statuses() { rewrite_statuses_.store(true); }

 private:
  // Per-container memory kept between passes: restart count and backoff deadline.
  struct Tracker {
    std::string copy_id;  // the assignment uid this memory belongs to
    int restarts = 0;
    std::optional<std::chrono::steady_clock::time_point> retry_at;
    std::string last_status;    // canonical JSON last written, to skip identical writes
    bool status_stale = false;  // last_status must be written again by the end of the pass
    std::string started_at;     // RFC 3339 time of the last start, kept in every status
  };

  struct Assignment {
    std::string name;
    std::string uid;
    std::string copy_id;  // the `assignment` field, or `uid` for entries written without it
    int64_t generation = 0;
    nlohmann::json spec;
    std::map<std::string, std::string> labels;
    std::string ip;
    std::string pool;
    std::string subnet;
    std::string gateway;
    bool deleting = false;
    bool evicted = false;  // the container's live copy is on another host now
  };

  // A container to stop and remove; `assignment` is set when the controller asked for it
  // and waits for the confirmation.
  struct Removal {
    std::optional<Assignment> assignment;
    std::string name;
    std::string container_id;  // empty: already gone, only confirm
    std::chrono::seconds grace{10};
  };

  // Assignments and containers of one pass, both by container name.
  using AssignmentMap = std::map<std::string, Assignment>;
  using ContainerMap = std::map<std::string, const ContainerSummary*>;

  AssignmentMap parse_assignments(const std::map<std::string, nlohmann::json>& assigned);
  std::vector<Removal> unowned_containers(const std::map<std::string, nlohmann::json>& assigned,
                                          const AssignmentMap& assignments,
                                          const ContainerMap& containers);
  Status converge_live(const AssignmentMap& assignments, const ContainerMap& containers,
                       const std::set<std::string>& blocked, PassResult& result);
  std::vector<Removal> deleting_removals(const AssignmentMap& assignments,
                                         const ContainerMap& containers,
                                         const std::set<std::string>& blocked);
  void rewrite_stale_statuses(const AssignmentMap& assignments);

  Status ensure_network(const Assignment& assignment);
  Result<NetworkInfo> replace_network(const NetworkSpec& spec, const Error& mismatch);
  Status ensure_overlay(const std::string& pool, const std::set<std::string>& peers);
  Result<std::set<std::string>> peer_addresses();
  void converge(const Assignment& assignment, const ContainerSummary* current, PassResult& result);
  // Stops and removes the containers in parallel, then confirms each removal the controller
  // requested. Returns the names whose container could not be stopped or removed.
  std::set<std::string> remove_all(std::vector<Removal> removals);
  void confirm_removal(const Assignment& assignment, const std::string& container_id);
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
  std::atomic<bool> rewrite_statuses_{false};
};

// Docker names derived from a pool name: the network "raictl-<pool>" and a bridge
// interface name that fits Linux's 15-byte limit for any pool name.
std::string network_name(const std::string& pool);
std::string bridge_name(const std::string& pool);
std::string vxlan_name(const std::string& pool);

}  // namespace raictl::reconciler
