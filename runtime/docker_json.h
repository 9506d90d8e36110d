#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "runtime/runtime_types.h"

namespace raictl {

// Translation between raictl's runtime values and the JSON of the Docker Engine API
// (version 1.40 and later). This is the one place that calls nlohmann/json for Docker:
// replies that are not the expected JSON come back as kInternal naming the request, and
// fields that are missing or null read as empty. Bodies are returned as serialized text.

// Body of POST /containers/create. Only the spec's non-empty fields are sent, so Docker
// applies its own and the image's defaults to the rest. An entrypoint that is set but
// empty is sent as [] and clears the image's entrypoint.
std::string container_create_body(const ContainerConfig& spec);

// Body of POST /networks/create for a bridge network.
std::string network_create_body(const NetworkSpec& spec);

// The `filters` query value that selects objects carrying every label pair.
std::string label_filters(const Labels& labels);

// The `filters` query value of GET /events: container start, die, oom and destroy events
// of containers that carry every label of the filter.
std::string event_filters(const EventFilter& filter);

// Docker's state names ("running", "exited", ...); nullopt for an unknown one.
std::optional<ContainerState> parse_container_state(std::string_view text);

// Parses an RFC 3339 UTC time as dockerd writes it (2024-05-01T12:00:00.123456789Z).
// Returns nullopt for Docker's zero time (year 1), which means "never", and for text of
// another shape.
std::optional<TimePoint> parse_docker_time(std::string_view text);

Result<std::string> parse_api_version(std::string_view version_body);
Result<std::string> parse_created_id(std::string_view body);
Result<ContainerInfo> parse_container_inspect(std::string_view body);
Result<std::vector<ContainerSummary>> parse_container_list(std::string_view body);
Result<NetworkInfo> parse_network(std::string_view body);
Result<std::vector<NetworkInfo>> parse_network_list(std::string_view body);

// Reads cpus, memory, hostname, operating system and server version from GET /info.
Result<EngineInfo> parse_engine_info(std::string_view info_body);

// POST /images/create replies 200 and reports failures inside its stream of progress
// objects; returns the first {"error": ...} found as kInvalidArgument with Docker's text.
Status check_import_progress(std::string_view body, std::string_view operation);

// Parses one line of GET /events. Returns nullopt for events other than container start,
// die, oom and destroy. The engine puts the container's labels, name and image into one
// attribute map, so attributes named name, image, exitCode and signal are not labels.
// NOTE: a container label whose key is one of those four names is therefore not reported.
Result<std::optional<ContainerEvent>> parse_event(std::string_view line);

}  // namespace raictl
