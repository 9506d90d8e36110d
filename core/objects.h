#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace raictl {

// The object model that every raictl binary shares. Manifests (core/manifest.h) produce
// these objects, the store keeps them as JSON, and `raictl get` prints them. The JSON form
// uses the manifest's field names:
//
//   {"apiVersion": "raictl.io/v1", "kind": "Container",
//    "metadata": {"name": "web-1", "labels": {...}, "uid": ..., "generation": ...},
//    "spec": {"image": ..., "resources": {"cpu": "100m", "memory": "32Mi"}, ...},
//    "status": {"phase": "Running", ...}}
//
// Unset optional fields are omitted, so a manifest's object prints back without fields that
// the user never wrote, apart from defaults filled in at parse time.

inline constexpr std::string_view kApiVersion = "raictl.io/v1";

// Node objects are written by the node agents themselves. They have a Kind for the CLI's
// resource names, but Object holds only Pool and Container, the kinds a manifest can apply.
enum class Kind { kPool, kContainer, kNode };

// "Pool", "Container", "Node": the spelling of `kind:` in manifests.
std::string_view to_string(Kind kind);

// Parses a manifest's `kind:` value. Case-sensitive, as in Kubernetes.
std::optional<Kind> kind_from_string(std::string_view text);

// The plural CLI resource name: "pools", "containers", "nodes".
std::string_view resource_name(Kind kind);

// Parses a CLI resource name, case-insensitively: containers, container, ctr; pools, pool;
// nodes, node, no. The error lists them.
Result<Kind> kind_from_resource_name(std::string_view text);

struct ObjectMeta {
  std::string name;  // a DNS-1123 label
  std::map<std::string, std::string> labels;

  // Set by the store, never by a manifest. Empty or zero until the object is stored.
  std::string uid;
  int64_t generation = 0;  // incremented on each change to labels or spec
  std::string created_at;  // RFC 3339 in UTC, for example "2024-05-01T12:00:00Z"
  std::optional<std::string> deletion_requested;  // RFC 3339 time of `raictl delete`

  bool operator==(const ObjectMeta&) const = default;
};

// Addresses stay strings here. The IPAM library parses and checks them against each other.
struct PoolSpec {
  std::string cidr;                  // required, for example "10.89.0.0/24"
  std::string gateway;               // empty: IPAM's default
  std::string range;                 // empty: the whole CIDR
  std::vector<std::string> exclude;  // addresses or CIDRs never handed out

  bool operator==(const PoolSpec&) const = default;
};

enum class RestartPolicy { kAlways, kOnFailure, kNever };

// "Always", "OnFailure", "Never".
std::string_view to_string(RestartPolicy policy);
std::optional<RestartPolicy> restart_policy_from_string(std::string_view text);

// Both fields are optional: an unset field means no request and no limit.
struct Resources {
  std::optional<int64_t> cpu_millis;    // 1000 is one core
  std::optional<int64_t> memory_bytes;  // manifests require at least kMinMemoryBytes

  bool operator==(const Resources&) const = default;
};

inline constexpr std::string_view kDefaultPool = "default";
inline constexpr int kDefaultStopGracePeriodSeconds = 10;
inline constexpr int kMaxStopGracePeriodSeconds = 3600;

// dockerd rejects memory limits below 6 MiB (linuxMinMemory in moby's daemon_unix.go). Older
// releases used 4 MiB, so checking manifests against 6 MiB suits both.
inline constexpr int64_t kMinMemoryBytes = 6 * 1024 * 1024;

struct ContainerSpec {
  std::string image;                       // required
  std::vector<std::string> command;        // replaces the image's ENTRYPOINT when set
  std::vector<std::string> args;           // replaces the image's CMD when set
  std::map<std::string, std::string> env;  // NAME -> value
  std::string pool = std::string(kDefaultPool);
  std::string ip;                                    // empty: any free address of the pool
  std::string node;                                  // empty: the scheduler picks a node
  std::map<std::string, std::string> node_selector;  // node label key -> value
  RestartPolicy restart_policy = RestartPolicy::kAlways;
  Resources resources;
  int stop_grace_period_seconds = kDefaultStopGracePeriodSeconds;  // 0 to 3600
  std::string working_dir;                                         // empty: the image's
  std::string hostname;                                            // empty: Docker's default

  bool operator==(const ContainerSpec&) const = default;
};

// ImageNotFound, OOMKilled and the like are reasons (ContainerStatus::reason), not phases.
enum class ContainerPhase {
  kPending,   // accepted, not yet placed or not yet picked up by its node
  kCreating,  // the node is pulling the image or creating the container
  kRunning,
  kCrashLoopBackOff,  // exited and waits until next_retry_at before the next start
  kFailed,            // will not be started again (restartPolicy or a permanent error)
  kTerminating,       // deletion requested, stopping
  kCompleted,         // exited 0 and restartPolicy does not restart it
  kUnknown,           // set by the controller while the container's node is not ready
};

// "Pending", "Creating", "Running", "CrashLoopBackOff", "Failed", "Terminating", "Completed",
// "Unknown".
std::string_view to_string(ContainerPhase phase);
std::optional<ContainerPhase> container_phase_from_string(std::string_view text);

// Written by the controller and the nodes, never by a manifest. Empty strings are unset.
struct ContainerStatus {
  ContainerPhase phase = ContainerPhase::kPending;
  std::string node;
  std::string ip;
  std::string container_id;  // Docker's id
  int64_t restarts = 0;
  std::string reason;               // one CamelCase word, for example "ImageNotFound"
  std::string message;              // for people: what happened and what to do
  int64_t observed_generation = 0;  // the metadata.generation this status describes
  std::string started_at;           // RFC 3339 in UTC
  std::string next_retry_at;        // RFC 3339 in UTC, set in kCrashLoopBackOff

  bool operator==(const ContainerStatus&) const = default;
};

struct Object {
  Kind kind = Kind::kContainer;  // kPool or kContainer, matching the alternative in spec
  ObjectMeta meta;
  std::variant<PoolSpec, ContainerSpec> spec;
  std::optional<ContainerStatus> status;  // containers only

  // "file:line" of the manifest document this object came from, for messages. Not part of
  // the JSON form and not stored.
  std::string source;
};

// Builds the JSON form described at the top of this file.
nlohmann::json object_to_json(const Object& object);

// Reads the JSON form back, for example from the store. Unknown fields are ignored so that
// an older binary can read objects written by a newer one. Wrong types, a missing kind,
// name or spec, and unparsable quantities are kInternal errors naming the field, because
// stored objects were valid when written.
Result<Object> object_from_json(const nlohmann::json& json);

// Parses `text` as JSON, then reads it as object_from_json does.
Result<Object> object_from_json_text(std::string_view text);

// The spec alone, as `"spec"` in the JSON form, for stores that keep it apart from the
// metadata. Keys are sorted, so dump() of equal specs gives equal text.
nlohmann::json spec_to_json(const Object& object);

// Read a spec written by spec_to_json. Errors are kInternal, as for object_from_json.
Result<PoolSpec> pool_spec_from_json(const nlohmann::json& json);
Result<ContainerSpec> container_spec_from_json(const nlohmann::json& json);

nlohmann::json status_to_json(const ContainerStatus& status);
Result<ContainerStatus> status_from_json(const nlohmann::json& json);

// Returns what a manifest controls (apiVersion, kind, metadata.name, metadata.labels and
// spec) as compact JSON with sorted keys, so equal desired states give equal strings.
std::string canonical_manifest_json(const Object& object);

// Compares the desired state as canonical_manifest_json does: kind, name, labels and spec.
// Labels count because a label change must be applied too. uid, generation, timestamps,
// status and source are ignored. `raictl apply` prints "unchanged" when this is true.
bool spec_equal(const Object& a, const Object& b);

// Prints any JSON value as block-style YAML, for `get -o yaml`. Strings that a YAML reader
// would take for a number, bool or null ("1.10", "0755", "yes", "") are double-quoted, so
// the output parses back to the same strings.
std::string json_to_yaml(const nlohmann::json& json);

}  // namespace raictl
