#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/redis_client.h"
#include "core/result.h"

namespace raictl {

// One stored object: identity, version and the spec as canonical JSON.
// Callers turn `spec` into typed specs with core/objects.h.
struct ObjectRecord {
  std::string kind;  // "Pool", "Container"
  std::string name;
  std::string uid;
  int64_t generation = 0;
  std::string created_at;  // RFC 3339, UTC
  std::map<std::string, std::string> labels;
  nlohmann::json spec;
  std::optional<std::string> deletion_requested_at;
};

enum class ApplyOutcome { kCreated, kConfigured, kUnchanged };
const char* apply_outcome_name(ApplyOutcome outcome);

struct ApplyResult {
  ApplyOutcome outcome = ApplyOutcome::kUnchanged;
  std::string uid;
  int64_t generation = 0;
};

// One event shown by `raictl describe`. Repeats of the same type, reason, source and message
// are folded into one entry whose count grows.
struct EventRecord {
  std::string type;    // Normal or Warning
  std::string reason;  // CamelCase, e.g. Scheduled, Started, BackOff
  std::string message;
  std::string source;  // component and host, e.g. "raictl-node/node-1"
  int64_t count = 1;
  int64_t first_ms = 0;  // milliseconds since the Unix epoch
  int64_t last_ms = 0;
};

// An entry of the spec-change stream: a hint that an object changed.
struct SpecChange {
  std::string id;  // stream entry id, for XACK
  std::string kind;
  std::string name;
  std::string uid;
  int64_t generation = 0;
  std::string op;          // apply, delete, removed (a node confirms a removal), node
  std::string node;        // set for op=removed and op=node
  std::string assignment;  // set for op=removed: the copy that is gone
};

// Typed access to raictl's records in Redis (the key schema is in core/keys.h). Every
// method is one round trip or one Lua script, so each is atomic on its own.
//
// Does not own the client. Not thread-safe, like the client it uses: one Store per thread.
class Store {
 public:
  explicit Store(RedisClient& client);

  // Creates or updates an object and appends a spec change, in one Lua script. Unchanged
  // spec and labels leave the generation alone and append nothing. `create_only` (for
  // `raictl run`) fails with kConflict when the name exists. An object that is being
  // deleted fails with kConflict.
  Result<ApplyResult> apply(const std::string& kind, const std::string& name,
                            const nlohmann::json& spec,
                            const std::map<std::string, std::string>& labels,
                            bool create_only = false);

  Result<std::optional<ObjectRecord>> get(const std::string& kind, const std::string& name);
  Result<std::vector<ObjectRecord>> list(const std::string& kind);

  // Marks the object for deletion and appends a spec change; the controller finishes the
  // deletion. Returns kNotFound for an unknown name. Marking twice is not an error.
  Status request_deletion(const std::string& kind, const std::string& name);

  // Drops the object, its status and its events, only if its uid still matches. Returns
  // false when the uid did not match (the name was reused) or the object was gone.
  Result<bool> drop(const std::string& kind, const std::string& name, const std::string& uid);

  // Container status as JSON (core/objects.h turns it into ContainerStatus).
  Status put_status(const std::string& name, const nlohmann::json& status);
  Result<std::optional<nlohmann::json>> get_status(const std::string& name);
  Result<std::map<std::string, nlohmann::json>> list_statuses();

  // Appends an event, folding it into the newest one when type, reason, message and
  // source repeat. Keeps the newest 100 per object.
  Status add_event(const std::string& kind, const std::string& name, const EventRecord& event);
  Result<std::vector<EventRecord>> list_events(const std::string& kind, const std::string& name);

  // The spec-change stream, read by the controller's consumer group. Creates the group on
  // first use. `pending` re-reads entries delivered earlier but not acknowledged.
  Result<std::vector<SpecChange>> read_spec_changes(const std::string& consumer, int count,
                                                    int block_ms, bool pending);
  Status ack_spec_change(const std::string& id);
  // Moves every entry that other consumers of the group read but never acknowledged to
  // `consumer`, so a new leader handles what a dead one left. Returns how many moved.
  Result<int64_t> claim_spec_changes(const std::string& consumer);
  // A node reports that its copy (uid and assignment uid) is gone.
  Status confirm_removal(const std::string& node, const std::string& name, const std::string& uid,
                         const std::string& assignment_uid);

  // Assignments: what one node must run (core/keys.h lists the fields). Every write goes
  // through one script that also keeps the placement index and the node's allocated
  // requests, and appends a hint to the node's stream. `fence` is the leader lease value
  // ("<identity> <token>") the writer holds; a script whose fence no longer matches the
  // lease fails with kFenced and writes nothing. An empty fence skips the check (tests).

  // Writes a new placement or updates the same copy (same `assignment` uid). A new
  // placement fails with kConflict when the node is cordoned or unregistered, the container
  // is placed elsewhere, or the node still has another copy of it; and with kExhausted
  // when the node's cpu or memory would be overbooked. An update checks capacity for the
  // difference only.
  Status commit_assignment(const std::string& node, const std::string& name,
                           const nlohmann::json& assignment, const std::string& fence);
  // Replaces a copy with `updated`, which marks it for removal by the node: `deleting` is
  // set, and for an eviction also `evicted` and `heldBy`. An eviction also drops the
  // placement index entry, so the container can be placed again. Returns false when the
  // node's copy is not the one `updated` names (its assignment uid).
  Result<bool> mark_removal(const std::string& node, const std::string& name,
                            const nlohmann::json& updated, const std::string& fence);
  // Removes the copy once its node confirmed it gone, and gives back its requests. Only the
  // copy with this assignment uid is removed; returns it, or nothing when it was not there.
  Result<std::optional<nlohmann::json>> remove_assignment(const std::string& node,
                                                          const std::string& name,
                                                          const std::string& assignment_uid);
  Result<std::map<std::string, nlohmann::json>> assignments(const std::string& node);
  // The node of the container's live copy, if it is placed.
  Result<std::optional<std::string>> placement(const std::string& name);
  Result<std::map<std::string, std::string>> placements();
  // Requests assigned to a node (cpuMillis, memoryBytes, containers), missing fields 0.
  Result<std::map<std::string, int64_t>> allocated(const std::string& node);
  // Recomputes a node's allocated requests and the placement entries of its live copies
  // from its assignments. Returns true when something was wrong and had to be fixed.
  Result<bool> repair_node_index(const std::string& node);
  // Drops everything of a node that is gone for good: assignments, allocated requests,
  // placement entries, stream, record, heartbeat, cordon and condition. Returns the
  // assignments it held.
  Result<std::map<std::string, nlohmann::json>> forget_node(const std::string& node);

  // Nodes: registration record and heartbeat, both written by the node itself.
  Status put_node(const std::string& name, const nlohmann::json& record);
  Result<std::map<std::string, nlohmann::json>> nodes();
  // Records a heartbeat at the Redis server's time, which is returned.
  Result<int64_t> heartbeat(const std::string& name);
  Result<std::map<std::string, int64_t>> heartbeats();
  // The Redis server's clock, in milliseconds since the Unix epoch. Heartbeats are
  // stamped with it, so ages computed against it ignore the skew of hosts' clocks.
  Result<int64_t> server_time_ms();

  // Cordons, set by operators: a cordoned node gets no new containers. `drain` also
  // requests the controller to move every container that is not pinned there.
  Status cordon(const std::string& node, bool drain);
  Status uncordon(const std::string& node);
  Result<std::map<std::string, nlohmann::json>> cordons();

  // The leading controller's verdict on each node, and the settings it runs with.
  Status put_node_condition(const std::string& node, const nlohmann::json& condition);
  Result<std::map<std::string, nlohmann::json>> node_conditions();
  Status put_cluster_settings(const nlohmann::json& settings);
  Result<nlohmann::json> cluster_settings();  // empty object when no controller wrote any

  // Appends a hint to the spec stream that wakes the controller for something other than a
  // spec change: op "node" (a cordon, drain or removal of `node`).
  Status notify_controller(const std::string& op, const std::string& node);

  RedisClient& client() { return client_; }

 private:
  RedisClient& client_;
  LuaScript apply_script_;
  LuaScript delete_script_;
  LuaScript drop_script_;
  LuaScript event_script_;
  LuaScript commit_script_;
  LuaScript mark_removal_script_;
  LuaScript remove_assignment_script_;
  LuaScript repair_script_;
  LuaScript forget_node_script_;
  LuaScript heartbeat_script_;
};

// Milliseconds since the Unix epoch, and the same as RFC 3339 in UTC.
int64_t now_ms();
std::string rfc3339(int64_t ms);
int64_t parse_rfc3339_ms(const std::string& text);  // 0 when malformed

// The heartbeat script (KEYS: raictl:heartbeats, ARGV: node name), for a client that sends
// it itself, such as the node's asynchronous connection: EVAL SOURCE 1 KEY NODE.
std::string heartbeat_script_source();

// A random 128-bit identifier in UUID v4 form, from std::random_device.
std::string new_uid();

}  // namespace raictl
