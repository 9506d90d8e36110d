#include "core/objects.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <utility>

#include "core/quantity.h"
#include "fmt/format.h"

namespace raictl {

using nlohmann::json;

namespace {

template <typename Enum>
struct EnumName {
  Enum value;
  std::string_view name;
};

constexpr std::array<EnumName<Kind>, 3> kKindNames = {{
    {Kind::kPool, "Pool"},
    {Kind::kContainer, "Container"},
    {Kind::kNode, "Node"},
}};

constexpr std::array<EnumName<RestartPolicy>, 3> kRestartPolicyNames = {{
    {RestartPolicy::kAlways, "Always"},
    {RestartPolicy::kOnFailure, "OnFailure"},
    {RestartPolicy::kNever, "Never"},
}};

constexpr std::array<EnumName<ContainerPhase>, 8> kPhaseNames = {{
    {ContainerPhase::kPending, "Pending"},
    {ContainerPhase::kCreating, "Creating"},
    {ContainerPhase::kRunning, "Running"},
    {ContainerPhase::kCrashLoopBackOff, "CrashLoopBackOff"},
    {ContainerPhase::kFailed, "Failed"},
    {ContainerPhase::kTerminating, "Terminating"},
    {ContainerPhase::kCompleted, "Completed"},
    {ContainerPhase::kUnknown, "Unknown"},
}};

template <typename Enum, size_t N>
std::string_view name_of(const std::array<EnumName<Enum>, N>& names, Enum value) {
  for (const auto& entry : names) {
    if (entry.value == value) {
      return entry.name;
    }
  }
  return "Unknown";
}

template <typename Enum, size_t N>
std::optional<Enum> value_of(const std::array<EnumName<Enum>, N>& names, std::string_view text) {
  for (const auto& entry : names) {
    if (entry.name == text) {
      return entry.value;
    }
  }
  return std::nullopt;
}

// Resource names for the CLI, lowercase: the plural first, then its aliases.
struct ResourceNames {
  Kind kind;
  std::array<std::string_view, 3> names;
};

constexpr std::array<ResourceNames, 3> kResourceNames = {{
    {Kind::kContainer, {"containers", "container", "ctr"}},
    {Kind::kPool, {"pools", "pool", ""}},
    {Kind::kNode, {"nodes", "node", "no"}},
}};

void set_if_not_empty(json& out, const char* key, const std::string& value) {
  if (!value.empty()) {
    out[key] = value;
  }
}

template <typename Container>
void set_if_not_empty(json& out, const char* key, const Container& values) {
  if (!values.empty()) {
    out[key] = values;
  }
}

json meta_to_json(const ObjectMeta& meta) {
  json out = json::object();
  out["name"] = meta.name;
  set_if_not_empty(out, "labels", meta.labels);
  set_if_not_empty(out, "uid", meta.uid);
  if (meta.generation != 0) {
    out["generation"] = meta.generation;
  }
  set_if_not_empty(out, "createdAt", meta.created_at);
  if (meta.deletion_requested) {
    out["deletionRequested"] = *meta.deletion_requested;
  }
  return out;
}

json pool_spec_to_json(const PoolSpec& spec) {
  json out = json::object();
  out["cidr"] = spec.cidr;
  set_if_not_empty(out, "gateway", spec.gateway);
  set_if_not_empty(out, "range", spec.range);
  set_if_not_empty(out, "exclude", spec.exclude);
  return out;
}

json container_spec_to_json(const ContainerSpec& spec) {
  json out = json::object();
  out["image"] = spec.image;
  set_if_not_empty(out, "command", spec.command);
  set_if_not_empty(out, "args", spec.args);
  set_if_not_empty(out, "env", spec.env);
  out["pool"] = spec.pool;
  set_if_not_empty(out, "ip", spec.ip);
  set_if_not_empty(out, "node", spec.node);
  set_if_not_empty(out, "nodeSelector", spec.node_selector);
  out["restartPolicy"] = std::string(to_string(spec.restart_policy));

  json resources = json::object();
  if (spec.resources.cpu_millis) {
    resources["cpu"] = format_cpu(*spec.resources.cpu_millis);
  }
  if (spec.resources.memory_bytes) {
    resources["memory"] = format_memory(*spec.resources.memory_bytes);
  }
  if (!resources.empty()) {
    out["resources"] = std::move(resources);
  }

  out["stopGracePeriodSeconds"] = spec.stop_grace_period_seconds;
  set_if_not_empty(out, "workingDir", spec.working_dir);
  set_if_not_empty(out, "hostname", spec.hostname);
  return out;
}

// Reads fields of the stored JSON form. The first problem is kept and later reads become
// no-ops, so callers can read every field and check once at the end.
class JsonReader {
 public:
  bool failed() const { return !problem_.empty(); }
  const std::string& problem() const { return problem_; }

  void fail(std::string_view path, std::string_view what) {
    if (problem_.empty()) {
      problem_ = fmt::format("{}: {}", path, what);
    }
  }

  // Returns the member, or nullptr when it is absent or null. A parent that is not an
  // object fails the read.
  const json* member(const json& parent, std::string_view parent_path, const char* key) {
    if (failed()) {
      return nullptr;
    }
    if (!parent.is_object()) {
      fail(parent_path, "expected an object");
      return nullptr;
    }
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) {
      return nullptr;
    }
    return &*it;
  }

  void read_string(const json& parent, std::string_view parent_path, const char* key,
                   std::string& out, bool required = false) {
    std::string path = join(parent_path, key);
    const json* value = member(parent, parent_path, key);
    if (value == nullptr) {
      if (required) {
        fail(path, "missing");
      }
      return;
    }
    if (!value->is_string()) {
      fail(path, "expected a string");
      return;
    }
    out = value->get<std::string>();
  }

  void read_integer(const json& parent, std::string_view parent_path, const char* key, int64_t& out,
                    int64_t min = 0, int64_t max = std::numeric_limits<int64_t>::max()) {
    std::string path = join(parent_path, key);
    const json* value = member(parent, parent_path, key);
    if (value == nullptr) {
      return;
    }
    if (!value->is_number_integer()) {
      fail(path, "expected an integer");
      return;
    }
    bool too_large_for_int64 =
        value->is_number_unsigned() &&
        value->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max());
    int64_t number = too_large_for_int64 ? max : value->get<int64_t>();
    if (too_large_for_int64 || number < min || number > max) {
      fail(path, fmt::format("expected an integer from {} to {}", min, max));
      return;
    }
    out = number;
  }

  void read_string_list(const json& parent, std::string_view parent_path, const char* key,
                        std::vector<std::string>& out) {
    std::string path = join(parent_path, key);
    const json* value = member(parent, parent_path, key);
    if (value == nullptr) {
      return;
    }
    if (!value->is_array()) {
      fail(path, "expected a list of strings");
      return;
    }
    for (const json& item : *value) {
      if (!item.is_string()) {
        fail(path, "expected a list of strings");
        return;
      }
      out.push_back(item.get<std::string>());
    }
  }

  void read_string_map(const json& parent, std::string_view parent_path, const char* key,
                       std::map<std::string, std::string>& out) {
    std::string path = join(parent_path, key);
    const json* value = member(parent, parent_path, key);
    if (value == nullptr) {
      return;
    }
    if (!value->is_object()) {
      fail(path, "expected a map of strings");
      return;
    }
    for (const auto& [name, item] : value->items()) {
      if (!item.is_string()) {
        fail(join(path, name), "expected a string");
        return;
      }
      out[name] = item.get<std::string>();
    }
  }

  static std::string join(std::string_view parent_path, std::string_view key) {
    return parent_path.empty() ? std::string(key) : fmt::format("{}.{}", parent_path, key);
  }

 private:
  std::string problem_;
};

void read_meta(JsonReader& reader, const json& in, ObjectMeta& meta) {
  reader.read_string(in, "metadata", "name", meta.name, true);
  reader.read_string_map(in, "metadata", "labels", meta.labels);
  reader.read_string(in, "metadata", "uid", meta.uid);
  reader.read_integer(in, "metadata", "generation", meta.generation);
  reader.read_string(in, "metadata", "createdAt", meta.created_at);

  std::string deletion;
  reader.read_string(in, "metadata", "deletionRequested", deletion);
  if (!deletion.empty()) {
    meta.deletion_requested = deletion;
  }
}

PoolSpec read_pool_spec(JsonReader& reader, const json& in) {
  PoolSpec spec;
  reader.read_string(in, "spec", "cidr", spec.cidr, true);
  reader.read_string(in, "spec", "gateway", spec.gateway);
  reader.read_string(in, "spec", "range", spec.range);
  reader.read_string_list(in, "spec", "exclude", spec.exclude);
  return spec;
}

void read_resources(JsonReader& reader, const json& spec, Resources& resources) {
  const json* in = reader.member(spec, "spec", "resources");
  if (in == nullptr) {
    return;
  }

  std::string cpu;
  std::string memory;
  reader.read_string(*in, "spec.resources", "cpu", cpu);
  reader.read_string(*in, "spec.resources", "memory", memory);

  if (!cpu.empty()) {
    auto millis = parse_cpu(cpu);
    if (millis) {
      resources.cpu_millis = *millis;
    } else {
      reader.fail("spec.resources.cpu", millis.error().message);
    }
  }
  if (!memory.empty()) {
    auto bytes = parse_memory(memory);
    if (bytes) {
      resources.memory_bytes = *bytes;
    } else {
      reader.fail("spec.resources.memory", bytes.error().message);
    }
  }
}

ContainerSpec read_container_spec(JsonReader& reader, const json& in) {
  ContainerSpec spec;
  reader.read_string(in, "spec", "image", spec.image, true);
  reader.read_string_list(in, "spec", "command", spec.command);
  reader.read_string_list(in, "spec", "args", spec.args);
  reader.read_string_map(in, "spec", "env", spec.env);
  reader.read_string(in, "spec", "pool", spec.pool);
  reader.read_string(in, "spec", "ip", spec.ip);
  reader.read_string(in, "spec", "node", spec.node);
  reader.read_string_map(in, "spec", "nodeSelector", spec.node_selector);

  std::string policy;
  reader.read_string(in, "spec", "restartPolicy", policy);
  if (!policy.empty()) {
    if (auto parsed = restart_policy_from_string(policy)) {
      spec.restart_policy = *parsed;
    } else {
      reader.fail("spec.restartPolicy", fmt::format("unknown policy \"{}\"", policy));
    }
  }

  read_resources(reader, in, spec.resources);

  int64_t grace = spec.stop_grace_period_seconds;
  reader.read_integer(in, "spec", "stopGracePeriodSeconds", grace, 0, kMaxStopGracePeriodSeconds);
  spec.stop_grace_period_seconds = static_cast<int>(grace);

  reader.read_string(in, "spec", "workingDir", spec.working_dir);
  reader.read_string(in, "spec", "hostname", spec.hostname);
  return spec;
}

ContainerStatus read_status(JsonReader& reader, const json& in, std::string_view path) {
  ContainerStatus status;

  std::string phase;
  reader.read_string(in, path, "phase", phase);
  if (!phase.empty()) {
    if (auto parsed = container_phase_from_string(phase)) {
      status.phase = *parsed;
    } else {
      reader.fail(JsonReader::join(path, "phase"), fmt::format("unknown phase \"{}\"", phase));
    }
  }

  reader.read_string(in, path, "node", status.node);
  reader.read_string(in, path, "ip", status.ip);
  reader.read_string(in, path, "containerId", status.container_id);
  reader.read_integer(in, path, "restarts", status.restarts);
  reader.read_string(in, path, "reason", status.reason);
  reader.read_string(in, path, "message", status.message);
  reader.read_integer(in, path, "observedGeneration", status.observed_generation);
  reader.read_string(in, path, "startedAt", status.started_at);
  reader.read_string(in, path, "nextRetryAt", status.next_retry_at);
  return status;
}

Error malformed(std::string_view name, const std::string& problem) {
  if (name.empty()) {
    return make_error(ErrorCode::kInternal, fmt::format("stored object is malformed: {}", problem));
  }
  return make_error(ErrorCode::kInternal,
                    fmt::format("stored object \"{}\" is malformed: {}", name, problem));
}

// Words that YAML 1.1 or 1.2 readers resolve to a bool, null or special float.
bool is_reserved_yaml_word(std::string_view text) {
  static constexpr std::array<std::string_view, 31> kWords = {
      "y",    "Y",    "yes",   "Yes",   "YES",   "n",    "N",    "no",   "No",   "NO",  "true",
      "True", "TRUE", "false", "False", "FALSE", "on",   "On",   "ON",   "off",  "Off", "OFF",
      "null", "Null", "NULL",  "~",     ".inf",  ".Inf", ".INF", ".nan", ".NaN",
  };
  for (std::string_view word : kWords) {
    if (text == word) {
      return true;
    }
  }
  return text == ".NAN" || text == "-.inf" || text == "+.inf" || text == "-.Inf" || text == "+.Inf";
}

// Decides whether a string must be quoted to stay a string: when it is empty, a reserved
// word, or matches a YAML 1.1 or 1.2 number or timestamp form ("1.10", "0755", "1_000",
// "0x1F", "1e3", "1:20", "2024-05-01"). "100m" and "10.89.0.1" stay plain.
bool needs_quotes(const std::string& text) {
  static const std::regex kNumberLike(
      "[-+]?([0-9][0-9_]*)?\\.?[0-9][0-9_]*([eE][-+]?[0-9]+)?"  // int, float, octal
      "|[-+]?[0-9][0-9_]*\\.([eE][-+]?[0-9]+)?"                 // "1."
      "|0[xX][0-9a-fA-F_]+|0o[0-7]+|0b[01_]+"                   // hex, octal, binary
      "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?"          // sexagesimal
      "|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?");             // date and timestamp
  return text.empty() || is_reserved_yaml_word(text) || std::regex_match(text, kNumberLike);
}

void emit_string(YAML::Emitter& out, const std::string& text) {
  if (needs_quotes(text)) {
    out << YAML::DoubleQuoted << text;
  } else {
    out << text;
  }
}

void emit_json(YAML::Emitter& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        emit_string(out, key);
        out << YAML::Value;
        emit_json(out, item);
      }
      out << YAML::EndMap;
      return;
    case json::value_t::array:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const json& item : value) {
        emit_json(out, item);
      }
      out << YAML::EndSeq;
      return;
    case json::value_t::string:
      emit_string(out, value.get<std::string>());
      return;
    case json::value_t::boolean:
      out << (value.get<bool>() ? "true" : "false");
      return;
    case json::value_t::number_integer:
      out << value.get<int64_t>();
      return;
    case json::value_t::number_unsigned:
      out << value.get<uint64_t>();
      return;
    case json::value_t::number_float:
      out << value.dump();
      return;
    case json::value_t::null:
    case json::value_t::discarded:
    case json::value_t::binary:
      out << YAML::Null;
      return;
  }
}

}  // namespace

std::string_view to_string(Kind kind) {
  return name_of(kKindNames, kind);
}

std::optional<Kind> kind_from_string(std::string_view text) {
  return value_of(kKindNames, text);
}

std::string_view resource_name(Kind kind) {
  for (const auto& entry : kResourceNames) {
    if (entry.kind == kind) {
      return entry.names[0];
    }
  }
  return "unknown";
}

Result<Kind> kind_from_resource_name(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }

  for (const auto& entry : kResourceNames) {
    for (std::string_view name : entry.names) {
      if (!name.empty() && name == lower) {
        return entry.kind;
      }
    }
  }
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("unknown resource type \"{}\": use containers (container, ctr), "
                                "pools (pool) or nodes (node, no)",
                                text));
}

std::string_view to_string(RestartPolicy policy) {
  return name_of(kRestartPolicyNames, policy);
}

std::optional<RestartPolicy> restart_policy_from_string(std::string_view text) {
  return value_of(kRestartPolicyNames, text);
}

std::string_view to_string(ContainerPhase phase) {
  return name_of(kPhaseNames, phase);
}

std::optional<ContainerPhase> container_phase_from_string(std::string_view text) {
  return value_of(kPhaseNames, text);
}

json object_to_json(const Object& object) {
  json out = json::object();
  out["apiVersion"] = std::string(kApiVersion);
  out["kind"] = std::string(to_string(object.kind));
  out["metadata"] = meta_to_json(object.meta);
  out["spec"] = spec_to_json(object);
  if (object.status) {
    out["status"] = status_to_json(*object.status);
  }
  return out;
}

Result<Object> object_from_json(const json& in) {
  if (!in.is_object()) {
    return malformed("", "expected a JSON object");
  }

  // Metadata first, so that every later error can name the object.
  JsonReader reader;
  Object object;
  const json* metadata = reader.member(in, "", "metadata");
  if (metadata == nullptr) {
    reader.fail("metadata", "missing");
  } else {
    read_meta(reader, *metadata, object.meta);
  }

  std::string kind_text;
  reader.read_string(in, "", "kind", kind_text, true);
  auto kind = kind_from_string(kind_text);
  if (!reader.failed() && kind != Kind::kPool && kind != Kind::kContainer) {
    reader.fail("kind", fmt::format("expected Pool or Container, got \"{}\"", kind_text));
  }

  const json* spec = reader.member(in, "", "spec");
  if (spec == nullptr) {
    reader.fail("spec", "missing");
  } else if (kind == Kind::kPool) {
    object.spec = read_pool_spec(reader, *spec);
  } else {
    object.spec = read_container_spec(reader, *spec);
  }

  if (const json* status = reader.member(in, "", "status"); status && kind == Kind::kContainer) {
    object.status = read_status(reader, *status, "status");
  }

  if (reader.failed()) {
    return malformed(object.meta.name, reader.problem());
  }
  object.kind = *kind;
  return object;
}

Result<Object> object_from_json_text(std::string_view text) {
  json parsed;
  try {
    parsed = json::parse(text);
  } catch (const json::exception& e) {
    return malformed("", fmt::format("invalid JSON: {}", e.what()));
  }
  return object_from_json(parsed);
}

json spec_to_json(const Object& object) {
  if (const auto* pool = std::get_if<PoolSpec>(&object.spec)) {
    return pool_spec_to_json(*pool);
  }
  return container_spec_to_json(std::get<ContainerSpec>(object.spec));
}

Result<PoolSpec> pool_spec_from_json(const json& in) {
  JsonReader reader;
  PoolSpec spec = read_pool_spec(reader, in);
  if (reader.failed()) {
    return malformed("", reader.problem());
  }
  return spec;
}

Result<ContainerSpec> container_spec_from_json(const json& in) {
  JsonReader reader;
  ContainerSpec spec = read_container_spec(reader, in);
  if (reader.failed()) {
    return malformed("", reader.problem());
  }
  return spec;
}

json status_to_json(const ContainerStatus& status) {
  json out = json::object();
  out["phase"] = std::string(to_string(status.phase));
  set_if_not_empty(out, "node", status.node);
  set_if_not_empty(out, "ip", status.ip);
  set_if_not_empty(out, "containerId", status.container_id);
  out["restarts"] = status.restarts;
  set_if_not_empty(out, "reason", status.reason);
  set_if_not_empty(out, "message", status.message);
  out["observedGeneration"] = status.observed_generation;
  set_if_not_empty(out, "startedAt", status.started_at);
  set_if_not_empty(out, "nextRetryAt", status.next_retry_at);
  return out;
}

Result<ContainerStatus> status_from_json(const json& in) {
  if (!in.is_object()) {
    return make_error(ErrorCode::kInternal, "stored status is malformed: expected a JSON object");
  }

  JsonReader reader;
  ContainerStatus status = read_status(reader, in, "");
  if (reader.failed()) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("stored status is malformed: {}", reader.problem()));
  }
  return status;
}

std::string canonical_manifest_json(const Object& object) {
  json metadata = json::object();
  metadata["name"] = object.meta.name;
  set_if_not_empty(metadata, "labels", object.meta.labels);

  json out = json::object();
  out["apiVersion"] = std::string(kApiVersion);
  out["kind"] = std::string(to_string(object.kind));
  out["metadata"] = std::move(metadata);
  out["spec"] = spec_to_json(object);
  return out.dump();
}

bool spec_equal(const Object& a, const Object& b) {
  return a.kind == b.kind && a.meta.name == b.meta.name && a.meta.labels == b.meta.labels &&
         a.spec == b.spec;
}

std::string json_to_yaml(const json& value) {
  YAML::Emitter out;
  emit_json(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace raictl
