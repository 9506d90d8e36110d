#include "runtime/docker_json.h"

#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace raictl {

namespace {

using nlohmann::json;

const char* const kBridgeNameOption = "com.docker.network.bridge.name";
const char* const kMtuOption = "com.docker.network.driver.mtu";

// Serializes without throwing: invalid UTF-8 in a caller's string is replaced, not raised.
std::string serialize(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Field readers that treat missing, null and wrongly typed fields as empty, because
// dockerd writes null for empty maps and lists.
const json& field(const json& object, const char* key) {
  static const json null_value;
  if (!object.is_object()) {
    return null_value;
  }
  auto found = object.find(key);
  return found == object.end() ? null_value : *found;
}

std::string string_field(const json& object, const char* key) {
  const json& value = field(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

int64_t integer_field(const json& object, const char* key) {
  const json& value = field(object, key);
  return value.is_number_integer() ? value.get<int64_t>() : 0;
}

bool bool_field(const json& object, const char* key) {
  const json& value = field(object, key);
  return value.is_boolean() && value.get<bool>();
}

Labels string_map_field(const json& object, const char* key) {
  Labels result;
  const json& value = field(object, key);
  if (!value.is_object()) {
    return result;
  }
  for (const auto& [name, entry] : value.items()) {
    if (entry.is_string()) {
      result[name] = entry.get<std::string>();
    }
  }
  return result;
}

std::string without_leading_slash(std::string name) {
  if (!name.empty() && name.front() == '/') {
    name.erase(0, 1);
  }
  return name;
}

// "10.0.0.5/24" -> {"10.0.0.5", 24}
std::pair<std::string, int> split_cidr(const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) {
    return {cidr, 0};
  }
  int prefix = 0;
  std::from_chars(cidr.data() + slash + 1, cidr.data() + cidr.size(), prefix);
  return {cidr.substr(0, slash), prefix};
}

int parse_int(const std::string& text) {
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Error unexpected_reply(std::string_view what, const std::string& cause) {
  return make_error(ErrorCode::kInternal,
                    "unexpected reply from dockerd to " + std::string(what) + ": " + cause);
}

// Parses `body` and runs `read` on it, turning every nlohmann exception into kInternal.
template <typename T, typename Reader>
Result<T> parse_reply(std::string_view body, std::string_view request, Reader read) {
  try {
    json document = json::parse(body);
    return read(document);
  } catch (const json::exception& error) {
    return unexpected_reply(request, error.what());
  }
}

ContainerState state_or_dead(const std::string& text) {
  // A state this code does not know cannot be acted on safely, so it reads as dead.
  return parse_container_state(text).value_or(ContainerState::kDead);
}

NetworkInfo network_from_json(const json& object) {
  NetworkInfo network;
  network.id = string_field(object, "Id");
  network.name = string_field(object, "Name");
  network.driver = string_field(object, "Driver");
  network.labels = string_map_field(object, "Labels");

  const json& configs = field(field(object, "IPAM"), "Config");
  if (configs.is_array() && !configs.empty()) {
    network.subnet = string_field(configs[0], "Subnet");
    network.gateway = string_field(configs[0], "Gateway");
    network.ip_range = string_field(configs[0], "IPRange");
  }

  Labels options = string_map_field(object, "Options");
  network.bridge_name = options[kBridgeNameOption];
  network.mtu = parse_int(options[kMtuOption]);

  const json& containers = field(object, "Containers");
  if (containers.is_object()) {
    for (const auto& [id, entry] : containers.items()) {
      network.members.push_back(NetworkMember{
          id, string_field(entry, "Name"), split_cidr(string_field(entry, "IPv4Address")).first});
    }
  }
  return network;
}

}  // namespace

std::string container_create_body(const ContainerConfig& spec) {
  json body = json::object();
  body["Image"] = spec.image;
  if (!spec.command.empty()) {
    body["Cmd"] = spec.command;
  }
  if (spec.entrypoint) {
    body["Entrypoint"] = *spec.entrypoint;
  }
  if (!spec.env.empty()) {
    json env = json::array();
    for (const auto& [name, value] : spec.env) {
      env.push_back(name + "=" + value);
    }
    body["Env"] = env;
  }
  if (!spec.labels.empty()) {
    body["Labels"] = spec.labels;
  }
  if (!spec.working_dir.empty()) {
    body["WorkingDir"] = spec.working_dir;
  }
  if (!spec.hostname.empty()) {
    body["Hostname"] = spec.hostname;
  }
  if (!spec.stop_signal.empty()) {
    body["StopSignal"] = spec.stop_signal;
  }
  if (spec.stop_timeout) {
    body["StopTimeout"] = spec.stop_timeout->count();
  }

  json host_config = json::object();
  if (spec.nano_cpus > 0) {
    host_config["NanoCpus"] = spec.nano_cpus;
  }
  if (spec.memory_bytes > 0) {
    host_config["Memory"] = spec.memory_bytes;
  }
  if (spec.network) {
    // Without NetworkMode dockerd also attaches the default bridge and then rejects the
    // second endpoint.
    host_config["NetworkMode"] = spec.network->network;
    json endpoint = json::object();
    if (!spec.network->ipv4_address.empty()) {
      endpoint["IPAMConfig"] = {{"IPv4Address", spec.network->ipv4_address}};
    }
    body["NetworkingConfig"] = {{"EndpointsConfig", {{spec.network->network, endpoint}}}};
  }
  body["HostConfig"] = host_config;
  return serialize(body);
}

std::string network_create_body(const NetworkSpec& spec) {
  json ipam_config = json::array();
  if (!spec.subnet.empty() || !spec.gateway.empty() || !spec.ip_range.empty()) {
    json pool = json::object();
    if (!spec.subnet.empty()) {
      pool["Subnet"] = spec.subnet;
    }
    if (!spec.gateway.empty()) {
      pool["Gateway"] = spec.gateway;
    }
    if (!spec.ip_range.empty()) {
      pool["IPRange"] = spec.ip_range;
    }
    ipam_config.push_back(pool);
  }

  json options = json::object();
  if (!spec.bridge_name.empty()) {
    options[kBridgeNameOption] = spec.bridge_name;
  }
  if (spec.mtu > 0) {
    options[kMtuOption] = std::to_string(spec.mtu);
  }

  json body = {
      {"Name", spec.name},      {"Driver", "bridge"},
      {"CheckDuplicate", true}, {"IPAM", {{"Driver", "default"}, {"Config", ipam_config}}},
      {"Options", options},     {"Labels", spec.labels},
  };
  return serialize(body);
}

std::string label_filters(const Labels& labels) {
  json selectors = json::array();
  for (const auto& [key, value] : labels) {
    selectors.push_back(key + "=" + value);
  }
  json filters = json::object();
  if (!selectors.empty()) {
    filters["label"] = selectors;
  }
  return serialize(filters);
}

std::string event_filters(const EventFilter& filter) {
  json filters = json::parse(label_filters(filter.labels));
  filters["type"] = {"container"};
  filters["event"] = {"start", "die", "oom", "destroy"};
  return serialize(filters);
}

std::optional<ContainerState> parse_container_state(std::string_view text) {
  static const std::pair<std::string_view, ContainerState> kStates[] = {
      {"created", ContainerState::kCreated},   {"running", ContainerState::kRunning},
      {"paused", ContainerState::kPaused},     {"restarting", ContainerState::kRestarting},
      {"removing", ContainerState::kRemoving}, {"exited", ContainerState::kExited},
      {"dead", ContainerState::kDead},
  };
  for (const auto& [name, state] : kStates) {
    if (name == text) {
      return state;
    }
  }
  return std::nullopt;
}

std::optional<TimePoint> parse_docker_time(std::string_view text) {
  std::string copy(text);
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int consumed = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6) {
    return std::nullopt;
  }
  if (year <= 1) {
    return std::nullopt;
  }

  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                   std::chrono::day(day)};
  if (!date.ok()) {
    return std::nullopt;
  }

  // Up to nine fractional digits, then Z.
  std::string_view rest = std::string_view(copy).substr(consumed);
  int64_t nanoseconds = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 9) {
        nanoseconds = nanoseconds * 10 + (rest.front() - '0');
        ++digits;
      }
      rest.remove_prefix(1);
    }
    for (; digits < 9; ++digits) {
      nanoseconds *= 10;
    }
  }
  if (rest != "Z") {
    return std::nullopt;
  }

  auto since_epoch = std::chrono::sys_days(date).time_since_epoch() + std::chrono::hours(hour) +
                     std::chrono::minutes(minute) + std::chrono::seconds(second) +
                     std::chrono::nanoseconds(nanoseconds);
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(since_epoch));
}

Result<std::string> parse_api_version(std::string_view version_body) {
  return parse_reply<std::string>(
      version_body, "GET /version", [](const json& document) -> Result<std::string> {
        std::string version = string_field(document, "ApiVersion");
        if (version.empty()) {
          return unexpected_reply("GET /version", "no ApiVersion field");
        }
        return version;
      });
}

Result<std::string> parse_created_id(std::string_view body) {
  return parse_reply<std::string>(body, "a create request",
                                  [](const json& document) -> Result<std::string> {
                                    std::string id = string_field(document, "Id");
                                    if (id.empty()) {
                                      return unexpected_reply("a create request", "no Id field");
                                    }
                                    return id;
                                  });
}

Result<ContainerInfo> parse_container_inspect(std::string_view body) {
  return parse_reply<ContainerInfo>(body, "a container inspect", [](const json& document) {
    ContainerInfo info;
    info.id = string_field(document, "Id");
    info.name = without_leading_slash(string_field(document, "Name"));

    const json& config = field(document, "Config");
    info.image = string_field(config, "Image");
    info.labels = string_map_field(config, "Labels");

    const json& state = field(document, "State");
    info.state = state_or_dead(string_field(state, "Status"));
    info.exit_code = static_cast<int>(integer_field(state, "ExitCode"));
    info.oom_killed = bool_field(state, "OOMKilled");
    info.error = string_field(state, "Error");
    info.started_at = parse_docker_time(string_field(state, "StartedAt"));
    info.finished_at = parse_docker_time(string_field(state, "FinishedAt"));

    const json& networks = field(field(document, "NetworkSettings"), "Networks");
    if (networks.is_object()) {
      for (const auto& [name, entry] : networks.items()) {
        EndpointInfo endpoint;
        endpoint.network_id = string_field(entry, "NetworkID");
        endpoint.ipv4_address = string_field(entry, "IPAddress");
        endpoint.prefix_length = static_cast<int>(integer_field(entry, "IPPrefixLen"));
        endpoint.gateway = string_field(entry, "Gateway");
        endpoint.mac_address = string_field(entry, "MacAddress");
        info.networks[name] = endpoint;
      }
    }
    return info;
  });
}

Result<std::vector<ContainerSummary>> parse_container_list(std::string_view body) {
  using Summaries = std::vector<ContainerSummary>;
  return parse_reply<Summaries>(
      body, "a container list", [](const json& document) -> Result<Summaries> {
        if (!document.is_array()) {
          return unexpected_reply("a container list", "expected a JSON array");
        }
        Summaries summaries;
        for (const json& entry : document) {
          ContainerSummary summary;
          summary.id = string_field(entry, "Id");
          const json& names = field(entry, "Names");
          if (names.is_array() && !names.empty() && names[0].is_string()) {
            summary.name = without_leading_slash(names[0].get<std::string>());
          }
          summary.image = string_field(entry, "Image");
          summary.state = state_or_dead(string_field(entry, "State"));
          summary.labels = string_map_field(entry, "Labels");

          const json& networks = field(field(entry, "NetworkSettings"), "Networks");
          if (networks.is_object()) {
            for (const auto& [name, endpoint] : networks.items()) {
              summary.ipv4_addresses[name] = string_field(endpoint, "IPAddress");
            }
          }
          summaries.push_back(std::move(summary));
        }
        return summaries;
      });
}

Result<NetworkInfo> parse_network(std::string_view body) {
  return parse_reply<NetworkInfo>(
      body, "a network inspect", [](const json& document) -> Result<NetworkInfo> {
        if (!document.is_object()) {
          return unexpected_reply("a network inspect", "expected a JSON object");
        }
        return network_from_json(document);
      });
}

Result<std::vector<NetworkInfo>> parse_network_list(std::string_view body) {
  using Networks = std::vector<NetworkInfo>;
  return parse_reply<Networks>(
      body, "a network list", [](const json& document) -> Result<Networks> {
        if (!document.is_array()) {
          return unexpected_reply("a network list", "expected a JSON array");
        }
        Networks networks;
        for (const json& entry : document) {
          networks.push_back(network_from_json(entry));
        }
        return networks;
      });
}

Result<EngineInfo> parse_engine_info(std::string_view info_body) {
  return parse_reply<EngineInfo>(
      info_body, "GET /info", [](const json& document) -> Result<EngineInfo> {
        EngineInfo info;
        info.cpus = static_cast<int>(integer_field(document, "NCPU"));
        info.memory_bytes = integer_field(document, "MemTotal");
        info.hostname = string_field(document, "Name");
        info.operating_system = string_field(document, "OperatingSystem");
        info.server_version = string_field(document, "ServerVersion");
        if (info.cpus <= 0 || info.memory_bytes <= 0) {
          return unexpected_reply("GET /info", "NCPU or MemTotal is missing");
        }
        return info;
      });
}

Status check_import_progress(std::string_view body, std::string_view operation) {
  // The reply is a sequence of JSON objects separated by newlines.
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) {
      end = body.size();
    }
    auto line = json::parse(body.substr(start, end - start), nullptr, /*allow_exceptions=*/false);
    std::string error = string_field(line, "error");
    if (!error.empty()) {
      return make_error(ErrorCode::kInvalidArgument, std::string(operation) + ": " + error);
    }
    start = end + 1;
  }
  return Status::Ok();
}

Result<std::optional<ContainerEvent>> parse_event(std::string_view line) {
  using MaybeEvent = std::optional<ContainerEvent>;
  return parse_reply<MaybeEvent>(
      line, "GET /events", [](const json& document) -> Result<MaybeEvent> {
        if (string_field(document, "Type") != "container") {
          return MaybeEvent();
        }

        static const std::pair<std::string_view, EventAction> kActions[] = {
            {"start", EventAction::kStart},
            {"die", EventAction::kDie},
            {"oom", EventAction::kOom},
            {"destroy", EventAction::kDestroy},
        };
        std::string action = string_field(document, "Action");
        const EventAction* matched = nullptr;
        for (const auto& [name, value] : kActions) {
          if (name == action) {
            matched = &value;
          }
        }
        if (matched == nullptr) {
          return MaybeEvent();
        }

        ContainerEvent event;
        event.action = *matched;
        const json& actor = field(document, "Actor");
        event.container_id = string_field(actor, "ID");
        Labels attributes = string_map_field(actor, "Attributes");
        event.name = attributes["name"];
        event.image = attributes["image"];
        if (event.action == EventAction::kDie && attributes.count("exitCode") != 0) {
          event.exit_code = parse_int(attributes["exitCode"]);
        }
        for (const char* key : {"name", "image", "exitCode", "signal"}) {
          attributes.erase(key);
        }
        event.labels = std::move(attributes);
        event.time = TimePoint(std::chrono::duration_cast<TimePoint::duration>(
            std::chrono::nanoseconds(integer_field(document, "timeNano"))));
        return MaybeEvent(std::move(event));
      });
}

}  // namespace raictl
