#include "raictl/resource_table.h"

#include "core/quantity.h"
#include "core/store.h"

namespace raictl::cli {

namespace {

constexpr size_t kShortContainerIdLength = 12;
constexpr const char* kUnknown = "<unknown>";

std::string json_string(const nlohmann::json& record, const char* field) {
  auto it = record.find(field);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string or_none(const std::string& value) {
  return value.empty() ? "<none>" : value;
}

std::string format_labels(const std::map<std::string, std::string>& labels) {
  std::string text;
  for (const auto& [key, value] : labels) {
    text += (text.empty() ? "" : ",") + key + "=" + value;
  }
  return or_none(text);
}

Table container_table(bool wide) {
  std::vector<std::string> headers = {"NAME", "STATUS", "RESTARTS", "IP", "NODE", "AGE"};
  if (wide) {
    headers.insert(headers.end(), {"IMAGE", "CONTAINER ID"});
  }
  return Table(std::move(headers));
}

std::vector<std::string> container_row(const Object& container, bool wide, int64_t now_ms) {
  ContainerStatus status = container.status.value_or(ContainerStatus{});
  std::vector<std::string> row = {container.meta.name,
                                  container_status_text(container),
                                  std::to_string(status.restarts),
                                  or_none(status.ip),
                                  or_none(status.node),
                                  format_age_since(container.meta.created_at, now_ms)};
  if (wide) {
    row.push_back(std::get<ContainerSpec>(container.spec).image);
    row.push_back(or_none(status.container_id.substr(0, kShortContainerIdLength)));
  }
  return row;
}

Table pool_table(bool wide) {
  std::vector<std::string> headers = {"NAME", "CIDR", "USED", "FREE"};
  if (wide) {
    headers.insert(headers.end(), {"GATEWAY", "RANGE", "RESERVED"});
  }
  return Table(std::move(headers));
}

std::vector<std::string> pool_row(const PoolView& pool, bool wide) {
  const auto& spec = std::get<PoolSpec>(pool.object.spec);
  std::vector<std::string> row = {pool.object.meta.name, spec.cidr,
                                  pool.usage ? std::to_string(pool.usage->used) : kUnknown,
                                  pool.usage ? std::to_string(pool.usage->free) : kUnknown};
  if (wide) {
    row.push_back(pool.layout ? pool.layout->gateway.to_string() : kUnknown);
    row.push_back(pool.layout ? pool.layout->range.to_string() : kUnknown);
    row.push_back(pool.usage ? std::to_string(pool.usage->reserved) : kUnknown);
  }
  return row;
}

nlohmann::json pool_json(const PoolView& pool) {
  auto json = object_to_json(pool.object);
  if (pool.usage) {
    json["status"] = {{"size", pool.usage->size},
                      {"capacity", pool.usage->capacity},
                      {"used", pool.usage->used},
                      {"reserved", pool.usage->reserved},
                      {"free", pool.usage->free}};
  }
  if (pool.layout) {
    json["status"]["gateway"] = pool.layout->gateway.to_string();
    json["status"]["range"] = pool.layout->range.to_string();
  }
  return json;
}

Table node_table(bool wide) {
  std::vector<std::string> headers = {"NAME", "STATUS", "ADDRESS", "CONTAINERS", "AGE"};
  if (wide) {
    headers.insert(headers.end(), {"LABELS", "CPU", "MEMORY"});
  }
  return Table(std::move(headers));
}

std::string allocated_cpu_text(const NodeView& node) {
  auto capacity = node.capacity("cpuMillis");
  return format_cpu(node.allocated_amount("cpuMillis")) + "/" +
         (capacity ? format_cpu(*capacity) : kUnknown);
}

std::string allocated_memory_text(const NodeView& node) {
  auto capacity = node.capacity("memoryBytes");
  return format_memory(node.allocated_amount("memoryBytes")) + "/" +
         (capacity ? format_memory(*capacity) : kUnknown);
}

std::vector<std::string> node_row(const NodeView& node, bool wide, const ReadinessBasis& basis) {
  // CONTAINERS counts the live copies; evicted ones are only waiting to be removed.
  std::vector<std::string> row = {
      node.name, node_status_text(node, basis), or_none(json_string(node.record, "address")),
      std::to_string(node.live_containers().size()),
      format_age_since(json_string(node.record, "registeredAt"), basis.now_ms)};
  if (wide) {
    row.push_back(format_labels(node.labels()));
    row.push_back(allocated_cpu_text(node));
    row.push_back(allocated_memory_text(node));
  }
  return row;
}

nlohmann::json node_json(const NodeView& node, const ReadinessBasis& basis) {
  nlohmann::json metadata = {{"name", node.name}};
  if (auto labels = node.labels(); !labels.empty()) {
    metadata["labels"] = labels;
  }
  if (auto registered = json_string(node.record, "registeredAt"); !registered.empty()) {
    metadata["createdAt"] = registered;
  }

  nlohmann::json spec = {{"address", json_string(node.record, "address")},
                         {"unschedulable", node.cordoned()}};
  if (node.cordon) {
    spec["cordon"] = {{"since", rfc3339(node.cordon->value("since", int64_t{0}))},
                      {"drain", node.draining()}};
  }

  nlohmann::json capacity = nlohmann::json::object();
  if (auto cpu = node.capacity("cpuMillis")) {
    capacity["cpu"] = format_cpu(*cpu);
  }
  if (auto memory = node.capacity("memoryBytes")) {
    capacity["memory"] = format_memory(*memory);
  }
  nlohmann::json allocated = {{"cpu", format_cpu(node.allocated_amount("cpuMillis"))},
                              {"memory", format_memory(node.allocated_amount("memoryBytes"))},
                              {"containers", node.allocated_amount("containers")}};

  NodeReadiness readiness = node_readiness(node, basis);
  nlohmann::json status = {{"ready", readiness == NodeReadiness::kReady},
                           {"readiness", std::string(to_string(readiness))},
                           {"capacity", capacity},
                           {"allocated", allocated},
                           {"containers", node.live_containers().size()}};
  if (node.condition && node.condition->is_object()) {
    nlohmann::json condition = *node.condition;
    if (auto since = condition.find("since"); since != condition.end() && since->is_number()) {
      *since = rfc3339(since->get<int64_t>());
    }
    status["condition"] = condition;
  }
  if (node.last_heartbeat_ms != 0) {
    status["lastHeartbeat"] = rfc3339(node.last_heartbeat_ms);
  }
  if (auto version = json_string(node.record, "engineVersion"); !version.empty()) {
    status["engineVersion"] = version;
  }

  return {{"apiVersion", std::string(kApiVersion)},
          {"kind", "Node"},
          {"metadata", metadata},
          {"spec", spec},
          {"status", status}};
}

}  // namespace raictl::cli
