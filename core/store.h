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
  std::string op;    // apply, delete, removed (a node confirms a removal)
  std::string node;  // set for op=removed
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
  Status confirm_removal(const std::string& node, const std::string& name, const std::string& uid);

  // Assignments: what one node must run. Writing appends a hint to the node's stream.
  Status put_assignment(const std::string& node, const std::string& name,
                        const nlohmann::json& assignment);
  Result<std::map<std::string, nlohmann::json>> assignments(const std::string& node);
  Status remove_assignment(const std::string& node, const std::string& name,
                           const std::string& uid);

  // Nodes: registration record and heartbeat, both written by the node itself.
  Status put_node(const std::string& name, const nlohmann::json& record);
  Result<std::map<std::string, nlohmann::json>> nodes();
  Status heartbeat(const std::string& name, int64_t now_ms);
  Result<std::map<std::string, int64_t>> heartbeats();

  RedisClient& client() { return client_; }

 private:
  RedisClient& client_;
  LuaScript apply_script_;
  LuaScript delete_script_;
  LuaScript drop_script_;
  LuaScript event_script_;
  LuaScript remove_assignment_script_;
};

// Milliseconds since the Unix epoch, and the same as RFC 3339 in UTC.
int64_t now_ms();
std::string rfc3339(int64_t ms);
int64_t parse_rfc3339_ms(const std::string& text);  // 0 when malformed

// A random 128-bit identifier in UUID v4 form, from std::random_device.
std::string new_uid();

}  // namespace raictl
