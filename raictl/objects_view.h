#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/objects.h"
#include "core/result.h"
#include "core/store.h"

namespace raictl::cli {

// A node is Ready while its last heartbeat is younger than this. It is the controller's
// default grace, so that the CLI and the scheduler agree on which nodes are Ready.
std::chrono::milliseconds node_ready_grace();

// "container", "pool", "node": the singular lowercase name kubectl prints in messages.
std::string singular_name(Kind kind);

// `Error from server (NotFound): container "x" not found`, kubectl's wording.
std::string not_found_message(Kind kind, const std::string& name);

// Turns a stored record, and the container status if any, into the typed object.
Result<Object> object_from_record(const ObjectRecord& record,
                                  const std::optional<nlohmann::json>& status);

// Loads one Pool or Container with its status; nullopt when the name is unknown.
Result<std::optional<Object>> load_object(Store& store, Kind kind, const std::string& name);

// Loads every Pool or Container, sorted by name, containers with their statuses.
Result<std::vector<Object>> load_objects(Store& store, Kind kind);

// The STATUS column of a container: the phase, "Terminating" once deletion was requested,
// and the reason instead of "Pending" when one explains the wait (ImageNotFound).
std::string container_status_text(const Object& object);

// A node as the CLI shows it: its own record, heartbeat and assignment count.
struct NodeView {
  std::string name;
  nlohmann::json record;          // as the node agent wrote it
  int64_t last_heartbeat_ms = 0;  // 0 when the node never sent one
  std::map<std::string, nlohmann::json> assignments;

  bool ready(int64_t now_ms) const;
  bool unschedulable() const;
  std::map<std::string, std::string> labels() const;
  // "Ready", "NotReady", with ",SchedulingDisabled" for a cordoned node.
  std::string status_text(int64_t now_ms) const;
};

// Loads every registered node, sorted by name.
Result<std::vector<NodeView>> load_nodes(Store& store);

}  // namespace raictl::cli
