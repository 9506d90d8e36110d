#include "controller/controller_internal.h"

#include "core/quantity.h"

namespace raictl::controller {

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = component_logger("controller");
  return instance;
}

ipam::Owner owner_of(const ObjectRecord& object) {
  return ipam::Owner{"container", object.name, object.uid};
}

std::string pool_of(const ObjectRecord& object) {
  return object.spec.value("pool", std::string("default"));
}

PlacementRequest placement_request(const nlohmann::json& spec) {
  PlacementRequest request;
  if (spec.contains("node")) {
    request.node = spec["node"].get<std::string>();
  }
  if (spec.contains("nodeSelector")) {
    request.node_selector = spec["nodeSelector"].get<std::map<std::string, std::string>>();
  }
  const auto resources = spec.value("resources", nlohmann::json::object());
  if (auto cpu = parse_cpu(resources.value("cpu", std::string())); cpu) {
    request.cpu_millis = *cpu;
  }
  if (auto memory = parse_memory(resources.value("memory", std::string())); memory) {
    request.memory_bytes = *memory;
  }
  return request;
}

std::string copy_id(const nlohmann::json& assignment) {
  auto id = assignment.value("assignment", std::string());
  return id.empty() ? assignment.value("uid", std::string()) : id;
}

std::string held_holder(const std::string& node, const std::string& name) {
  return "held/" + node + "/" + name;
}

const char* scoring_name(ScoringPolicy policy) {
  return policy == ScoringPolicy::kBinpack ? "binpack" : "spread";
}

}  // namespace raictl::controller
