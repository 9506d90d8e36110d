#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace raictl {

// Values exchanged with a ContainerRuntime. They mirror the parts of the Docker Engine API
// that the reconciler uses, with Docker's names where one exists, and carry no Docker JSON.

using Labels = std::map<std::string, std::string>;
using TimePoint = std::chrono::system_clock::time_point;

// The network a container joins at creation, with an optional fixed IPv4 address.
struct NetworkAttachment {
  std::string network;       // network name
  std::string ipv4_address;  // dotted quad inside the network's subnet; empty lets Docker pick
};

// Settings of a container to create. Empty strings and zero limits mean "Docker's default".
struct ContainerConfig {
  std::string name;                  // Docker requires at least 2 characters of [a-zA-Z0-9_.-]
  std::string image;                 // reference, for example raictl/busybox:latest
  std::vector<std::string> command;  // empty keeps the image's CMD
  std::optional<std::vector<std::string>> entrypoint;  // unset keeps the image's
  std::map<std::string, std::string> env;              // sent as NAME=value
  Labels labels;
  std::string working_dir;
  std::string hostname;
  int64_t nano_cpus = 0;     // CPU quota in 1e-9 CPUs (1.5 CPUs = 1'500'000'000); 0 = no limit
  int64_t memory_bytes = 0;  // 0 = no limit; dockerd rejects values below 6 MiB
  std::string stop_signal;   // for example SIGTERM; empty keeps the image's
  std::optional<std::chrono::seconds> stop_timeout;  // grace period before SIGKILL on stop
  std::optional<NetworkAttachment> network;          // unset uses Docker's default bridge
};

// Docker's container states, as `State.Status` reports them.
enum class ContainerState { kCreated, kRunning, kPaused, kRestarting, kRemoving, kExited, kDead };

const char* container_state_name(ContainerState state);

// One network endpoint of a container.
struct EndpointInfo {
  std::string network_id;
  std::string ipv4_address;  // without prefix length; empty while the container is stopped
  int prefix_length = 0;
  std::string gateway;
  std::string mac_address;
};

// The result of inspecting a container.
struct ContainerInfo {
  std::string id;
  std::string name;  // without Docker's leading '/'
  std::string image;
  ContainerState state = ContainerState::kCreated;
  int exit_code = 0;
  bool oom_killed = false;
  std::string error;                     // dockerd's text when the last start failed
  std::optional<TimePoint> started_at;   // unset until the first start
  std::optional<TimePoint> finished_at;  // unset until the first exit
  Labels labels;
  std::map<std::string, EndpointInfo> networks;  // by network name

  bool running() const { return state == ContainerState::kRunning; }
};

// One row of a container listing. Docker's listing has no exit code or times, so callers
// that need them inspect the container.
struct ContainerSummary {
  std::string id;
  std::string name;
  std::string image;
  ContainerState state = ContainerState::kCreated;
  Labels labels;
  std::map<std::string, std::string> ipv4_addresses;  // network name -> address
};

// Output of a container, split by stream.
struct ContainerLogs {
  std::string stdout_text;
  std::string stderr_text;
};

// A bridge network to create. Empty strings and a zero MTU mean "Docker's default".
struct NetworkSpec {
  std::string name;
  std::string subnet;       // CIDR, for example 10.88.0.0/24
  std::string gateway;      // address inside subnet
  std::string ip_range;     // CIDR inside subnet that Docker allocates automatic addresses from
  std::string bridge_name;  // Linux interface name (at most 15 bytes)
  int mtu = 0;
  Labels labels;
};

// A container attached to a network.
struct NetworkMember {
  std::string container_id;
  std::string name;
  std::string ipv4_address;  // without prefix length
};

// The result of inspecting or listing a network.
struct NetworkInfo {
  std::string id;
  std::string name;
  std::string driver;
  std::string subnet;
  std::string gateway;
  std::string ip_range;
  std::string bridge_name;
  int mtu = 0;  // 0 when the network uses Docker's default
  Labels labels;
  std::vector<NetworkMember> members;  // filled by inspect; Docker's listing leaves it empty
};

// Describes how an existing network differs from `spec`, one "<field> is X, expected Y"
// entry per difference; empty when it matches. Empty fields of the spec match anything.
std::vector<std::string> network_mismatches(const NetworkSpec& spec, const NetworkInfo& actual);

// Capacity and identity of the engine, from /info and /version.
struct EngineInfo {
  int cpus = 0;
  int64_t memory_bytes = 0;
  std::string server_version;  // for example 20.10.24+dfsg1
  std::string api_version;     // the version requests use, for example 1.41
  std::string operating_system;
  std::string hostname;
};

// Reference of a local image split for the import endpoint.
struct ImageReference {
  std::string repository;  // for example raictl/busybox
  std::string tag;         // latest when the reference names none

  std::string to_string() const { return repository + ":" + tag; }
};

// Splits `name[:tag]` at the last ':' that follows the last '/', so that a registry port
// (localhost:5000/app) is not taken for a tag. A digest reference (@sha256:...) is kept
// whole in `repository` with an empty tag.
ImageReference parse_image_reference(const std::string& reference);

// Container lifecycle events that watch_events delivers.
enum class EventAction { kStart, kDie, kOom, kDestroy };

const char* event_action_name(EventAction action);

struct ContainerEvent {
  EventAction action = EventAction::kStart;
  std::string container_id;
  std::string name;
  std::string image;
  Labels labels;
  std::optional<int> exit_code;  // set for kDie
  TimePoint time;
};

// Selection of the events that watch_events delivers: those of containers whose labels
// include every pair of `labels`. An empty map selects every container.
struct EventFilter {
  Labels labels;
};

}  // namespace raictl
