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

// Hash, container name -> assignment JSON (uid, assignment, generation, spec, ip, pool,
// gateway, cpuMillis, memoryBytes, deleting, evicted, heldBy). The authoritative list of
// what one node must run. `assignment` is a fresh uid per placement: a container that is
// moved and comes back is a new copy. An evicted entry stays until the host confirms that
// its copy is gone, and its old address stays reserved for heldBy until then.
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

// Hash, node name -> last heartbeat in milliseconds since the Unix epoch, by the Redis
// server's clock (written by a script that reads TIME), so hosts' clocks do not matter.
inline std::string heartbeats() {
  return "raictl:heartbeats";
}

// Hash, container name -> the node its live assignment is on. Written only by the scripts
// that write assignments, so it never disagrees with them. An evicted copy left on a dead
// host is not in it.
inline std::string placements() {
  return "raictl:placements";
}

// Hash of the requests assigned to one node: cpuMillis, memoryBytes, containers. Kept by
// the same scripts as the assignments, so a placement and the capacity it takes are one
// step and two controllers can never overbook a host.
inline std::string allocated(std::string_view node) {
  return "raictl:allocated:" + std::string(node);
}

// Hash, node name -> JSON {since, drain}: operators' cordons. Kept apart from the node's
// own record, which the node rewrites when it registers.
inline std::string cordons() {
  return "raictl:cordons";
}

// Hash, node name -> JSON {ready, since, reason, message}: the leading controller's view of
// each host, so that every reader judges Ready the same way.
inline std::string node_conditions() {
  return "raictl:conditions";
}

// Hash of cluster-wide settings the leading controller publishes: nodeGraceMs,
// heartbeatIntervalMs, scoring.
inline std::string cluster_settings() {
  return "raictl:cluster";
}

// String "<identity> <token>" with an expiry: the controller that may act. The token comes
// from leader_epoch() and grows with every new leader, so writes can be fenced with it.
inline std::string leader() {
  return "raictl:leader";
}
inline std::string leader_epoch() {
  return "raictl:leader:epoch";
}

// Hash, node name -> gateway address of that node on one pool's network.
inline std::string gateways(std::string_view pool) {
  return "raictl:gateways:" + std::string(pool);
}

}  // namespace raictl::keys
