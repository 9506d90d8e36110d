#include "raictl/node_view.h"

#include "core/keys.h"
#include "fmt/format.h"

namespace raictl::cli {

namespace {

// The hashes every node's view is cut from, read once per command.
struct ClusterNodes {
  std::map<std::string, nlohmann::json> records;
  std::map<std::string, int64_t> heartbeats;
  std::map<std::string, nlohmann::json> cordons;
  std::map<std::string, nlohmann::json> conditions;
};

Result<ClusterNodes> load_cluster_nodes(Store& store) {
  ClusterNodes cluster;
  auto records = store.nodes();
  if (!records) {
    return records.error();
  }
  auto heartbeats = store.heartbeats();
  if (!heartbeats) {
    return heartbeats.error();
  }
  auto cordons = store.cordons();
  if (!cordons) {
    return cordons.error();
  }
  auto conditions = store.node_conditions();
  if (!conditions) {
    return conditions.error();
  }

  cluster.records = std::move(records).value();
  cluster.heartbeats = std::move(heartbeats).value();
  cluster.cordons = std::move(cordons).value();
  cluster.conditions = std::move(conditions).value();
  return cluster;
}

Result<NodeView> node_from_cluster(Store& store, const ClusterNodes& cluster,
                                   const std::string& name, const nlohmann::json& record) {
  NodeView node;
  node.name = name;
  node.record = record;
  if (auto beat = cluster.heartbeats.find(name); beat != cluster.heartbeats.end()) {
    node.last_heartbeat_ms = beat->second;
  }
  if (auto cordon = cluster.cordons.find(name); cordon != cluster.cordons.end()) {
    node.cordon = cordon->second;
  }
  if (auto condition = cluster.conditions.find(name); condition != cluster.conditions.end()) {
    node.condition = condition->second;
  }

  auto allocated = store.allocated(name);
  if (!allocated) {
    return allocated.error();
  }
  node.allocated = std::move(allocated).value();
  auto assignments = store.assignments(name);
  if (!assignments) {
    return assignments.error();
  }
  node.assignments = std::move(assignments).value();
  return node;
}

}  // namespace

bool NodeView::draining() const {
  return cordon && cordon->is_object() && cordon->value("drain", false);
}

std::map<std::string, std::string> NodeView::labels() const {
  std::map<std::string, std::string> labels;
  auto it = record.find("labels");
  if (it == record.end() || !it->is_object()) {
    return labels;
  }
  for (const auto& [key, value] : it->items()) {
    labels[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  return labels;
}

int64_t NodeView::allocated_amount(const char* field) const {
  auto it = allocated.find(field);
  return it == allocated.end() ? 0 : it->second;
}

std::optional<int64_t> NodeView::capacity(const char* field) const {
  auto it = record.find(field);
  if (it == record.end() || !it->is_number_integer() || it->get<int64_t>() <= 0) {
    return std::nullopt;
  }
  return it->get<int64_t>();
}

std::vector<std::string> NodeView::live_containers() const {
  std::vector<std::string> names;
  for (const auto& [name, assignment] : assignments) {
    if (!assignment.value("evicted", false)) {
      names.push_back(name);
    }
  }
  return names;
}

std::string_view to_string(NodeReadiness readiness) {
  switch (readiness) {
    case NodeReadiness::kReady:
      return "Ready";
    case NodeReadiness::kNotReady:
      return "NotReady";
    case NodeReadiness::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

std::optional<int64_t> heartbeat_age_ms(const NodeView& node, const ReadinessBasis& basis) {
  if (node.last_heartbeat_ms == 0) {
    return std::nullopt;
  }
  return std::max<int64_t>(0, basis.now_ms - node.last_heartbeat_ms);
}

NodeReadiness node_readiness(const NodeView& node, const ReadinessBasis& basis) {
  auto age = heartbeat_age_ms(node, basis);
  if (!age) {
    return NodeReadiness::kUnknown;
  }
  if (basis.controller_leading && node.condition && node.condition->is_object()) {
    auto ready = node.condition->find("ready");
    if (ready != node.condition->end() && ready->is_boolean()) {
      return ready->get<bool>() ? NodeReadiness::kReady : NodeReadiness::kNotReady;
    }
  }
  return *age < basis.node_grace_ms ? NodeReadiness::kReady : NodeReadiness::kNotReady;
}

std::string node_status_text(const NodeView& node, const ReadinessBasis& basis) {
  std::string text(to_string(node_readiness(node, basis)));
  if (node.cordoned()) {
    text += ",SchedulingDisabled";
  }
  return text;
}

Result<ReadinessBasis> load_readiness_basis(Store& store) {
  ReadinessBasis basis;
  auto now = store.server_time_ms();
  if (!now) {
    return now.error();
  }
  basis.now_ms = *now;

  auto settings = store.cluster_settings();
  if (!settings) {
    return settings.error();
  }
  if (auto grace = settings->find("nodeGraceMs");
      grace != settings->end() && grace->is_number_integer() && grace->get<int64_t>() > 0) {
    basis.node_grace_ms = grace->get<int64_t>();
  }

  auto leader = store.client().command({"EXISTS", keys::leader()});
  if (!leader) {
    return leader.error();
  }
  basis.controller_leading = leader->integer == 1;
  return basis;
}

Result<std::vector<NodeView>> load_nodes(Store& store) {
  auto cluster = load_cluster_nodes(store);
  if (!cluster) {
    return cluster.error();
  }

  std::vector<NodeView> nodes;
  for (const auto& [name, record] : cluster->records) {
    auto node = node_from_cluster(store, *cluster, name, record);
    if (!node) {
      return node.error();
    }
    nodes.push_back(std::move(node).value());
  }
  return nodes;  // std::map iteration already sorted them by name
}

Result<std::optional<NodeView>> load_node(Store& store, const std::string& name) {
  auto cluster = load_cluster_nodes(store);
  if (!cluster) {
    return cluster.error();
  }
  auto record = cluster->records.find(name);
  if (record == cluster->records.end()) {
    return std::optional<NodeView>();
  }
  auto node = node_from_cluster(store, *cluster, name, record->second);
  if (!node) {
    return node.error();
  }
  return std::optional<NodeView>(std::move(node).value());
}

Status require_registered_node(Store& store, const std::string& name) {
  auto nodes = store.nodes();
  if (!nodes) {
    return nodes.error();
  }
  if (!nodes->contains(name)) {
    return make_error(
        ErrorCode::kNotFound,
        fmt::format("node \"{}\" not found; \"raictl get nodes\" lists the registered nodes",
                    name));
  }
  return Status::Ok();
}

}  // namespace raictl::cli
