#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/store.h"

namespace raictl::cli {

// The grace the CLI judges heartbeats by when no controller has published nodeGraceMs in
// raictl:cluster. It is the controller's default --node-grace.
inline constexpr int64_t kDefaultNodeGraceMs = 15'000;

// A host as the CLI shows it: what the node agent wrote, what the controller concluded
// about it and what operators and the scheduler put on it.
struct NodeView {
  std::string name;
  nlohmann::json record;                    // as the node agent wrote it
  int64_t last_heartbeat_ms = 0;            // by the Redis server's clock; 0 when it never sent one
  std::optional<nlohmann::json> condition;  // {ready, since, reason, message} from the controller
  std::optional<nlohmann::json> cordon;     // {since, drain}; none when schedulable
  std::map<std::string, int64_t> allocated;           // cpuMillis, memoryBytes, containers
  std::map<std::string, nlohmann::json> assignments;  // container name -> assignment JSON

  bool cordoned() const { return cordon.has_value(); }
  bool draining() const;
  std::map<std::string, std::string> labels() const;
  // One field of `allocated`, 0 when missing.
  int64_t allocated_amount(const char* field) const;
  // A positive capacity from the node's record ("cpuMillis", "memoryBytes"), if it has one.
  std::optional<int64_t> capacity(const char* field) const;
  // The assignments that are not evicted: the copies the node runs or is still removing.
  std::vector<std::string> live_containers() const;
};

// The clock and the rule that readiness is judged by.
struct ReadinessBasis {
  int64_t now_ms = 0;  // the Redis server's clock, which stamps the heartbeats
  int64_t node_grace_ms = kDefaultNodeGraceMs;
  // True while a controller holds the leader lease. The controller writes a condition only
  // when a node's readiness changes, so without a leader the stored verdicts may be stale.
  bool controller_leading = false;
};

enum class NodeReadiness { kReady, kNotReady, kUnknown };

// "Ready", "NotReady", "Unknown".
std::string_view to_string(NodeReadiness readiness);

// Unknown when the node never sent a heartbeat. Otherwise the controller's verdict while a
// controller leads, else whether the last heartbeat is younger than the grace.
NodeReadiness node_readiness(const NodeView& node, const ReadinessBasis& basis);

// The STATUS column: the readiness, with ",SchedulingDisabled" for a cordoned node.
std::string node_status_text(const NodeView& node, const ReadinessBasis& basis);

// Milliseconds since the node's last heartbeat; nullopt when it never sent one.
std::optional<int64_t> heartbeat_age_ms(const NodeView& node, const ReadinessBasis& basis);

// Reads the server's clock, the published grace and whether a controller holds the lease.
Result<ReadinessBasis> load_readiness_basis(Store& store);

// Loads every registered node, sorted by name.
Result<std::vector<NodeView>> load_nodes(Store& store);

// Loads one registered node; nullopt when no node of that name is registered.
Result<std::optional<NodeView>> load_node(Store& store, const std::string& name);

// Checks that a node of that name is registered. kNotFound names it and the command that
// lists the registered nodes.
Status require_registered_node(Store& store, const std::string& name);

}  // namespace raictl::cli
