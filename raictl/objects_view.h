#pragma once

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

// "container", "pool", "node": the singular lowercase name kubectl prints in messages.
std::string singular_name(Kind kind);

// `Error from server (NotFound): container "x" not found`, kubectl's wording.
std::string not_found_message(Kind kind, const std::string& name);

// Turns a stored record, and the container status if any, into the typed object. A status
// whose phase this build does not know (Unknown, written for a container whose node is not
// ready) loads, and its phase prints as "Unknown".
Result<Object> object_from_record(const ObjectRecord& record,
                                  const std::optional<nlohmann::json>& status);

// Loads one Pool or Container with its status; nullopt when the name is unknown.
Result<std::optional<Object>> load_object(Store& store, Kind kind, const std::string& name);

// Loads every Pool or Container, sorted by name, containers with their statuses.
Result<std::vector<Object>> load_objects(Store& store, Kind kind);

// The STATUS column of a container: the phase, "Terminating" once deletion was requested,
// and the reason instead of "Pending" when one explains the wait (ImageNotFound).
std::string container_status_text(const Object& object);

}  // namespace raictl::cli
