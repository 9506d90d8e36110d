#pragma once

#include <string>
#include <string_view>

// The Redis key schema outside IPAM (IPAM keys live under raictl:ipam:, see ipam/).
// Hashes are the truth; streams only wake readers up. docs/architecture.md explains each
// key; change both together.
namespace raictl::keys {

// Set of the names of one kind's objects.
inline std::string index(std::string_view kind) {
  return "raictl:index:" + std::string(kind);
}

// Hash of one object: uid, generation, createdAt, spec (canonical JSON), labels (canonical
// JSON), deletionRequestedAt (set once a delete was requested). The spec is kept as one
// canonical string so that a Lua script can tell "unchanged" from "configured" by string
// comparison.
inline std::string object(std::string_view kind, std::string_view name) {
  return "raictl:object:" + std::string(kind) + ":" + std::string(name);
}

// Hash, container name -> status JSON. Written by the controller until the container is
// placed and by the owning node after that.
inline std::string container_status() {
  return "raictl:status:Container";
}

// List of event JSON, newest first, capped. One per object.
inline std::string events(std::string_view kind, std::string_view name) {
  return "raictl:events:" + std::string(kind) + ":" + std::string(name);
}

// Stream of {kind, name, generation, uid, op} written by raictl on every spec change and by
// nodes when they confirm a removal. Read by the controller's consumer group.
inline std::string spec_stream() {
  return "raictl:stream:specs";
}
inline constexpr const char* kControllerGroup = "controllers";

// Stream of {kind, name} on every status change, read by `raictl get --watch`.
inline std::string status_stream() {
  return "raictl:stream:status";
}

// Hash, container name -> assignment JSON (uid, generation, spec, ip, pool, gateway,
// deleting). The authoritative list of what one node must run.
inline std::string assignments(std::string_view node) {
  return "raictl:assign:" + std::string(node);
}

// Stream of {name, uid, generation} hints for one node. Read by that node's group.
inline std::string node_stream(std::string_view node) {
  return "raictl:stream:node:" + std::string(node);
}
inline constexpr const char* kNodeGroup = "node";

// Hash, node name -> node record JSON (address, labels, capacity, registration time).
inline std::string nodes() {
  return "raictl:nodes";
}

// Hash, node name -> last heartbeat, milliseconds since the Unix epoch.
inline std::string heartbeats() {
  return "raictl:heartbeats";
}

// Hash, node name -> gateway address of that node on one pool's network.
inline std::string gateways(std::string_view pool) {
  return "raictl:gateways:" + std::string(pool);
}

}  // namespace raictl::keys
