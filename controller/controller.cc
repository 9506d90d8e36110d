#include "controller/controller.h"

#include <thread>

#include "core/keys.h"
#include "core/log.h"
#include "core/quantity.h"
#include "fmt/format.h"
#include "ipam/ipam.h"

namespace raictl::controller {

namespace {

constexpr const char* kContainer = "Container";
constexpr const char* kSource = "raictl-controller";

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
  // The CLI validated both quantities before they were stored.
  const auto resources = spec.value("resources", nlohmann::json::object());
  if (auto cpu = parse_cpu(resources.value("cpu", std::string())); cpu) {
    request.cpu_millis = *cpu;
  }
  if (auto memory = parse_memory(resources.value("memory", std::string())); memory) {
    request.memory_bytes = *memory;
  }
  return request;
}

}  // namespace

Controller::Controller(RedisClient& client, ControllerOptions options)
    : client_(client),
      options_(std::move(options)),
      store_(client),
      ipam_(std::make_unique<ipam::Ipam>(client)),
      scheduler_(options_.scoring) {}

Controller::~Controller() = default;

void Controller::run(const std::atomic<bool>& stop) {
  logger()->info("consumer={} starting", options_.consumer);
  bool read_pending = true;
  auto next_resync = std::chrono::steady_clock::now();

  while (!stop.load()) {
    if (std::chrono::steady_clock::now() >= next_resync) {
      if (auto status = resync(); !status) {
        logger()->error("consumer={} resync failed: {}", options_.consumer, status.error().message);
      }
      next_resync = std::chrono::steady_clock::now() + options_.resync_interval;
    }

    auto changes = store_.read_spec_changes(options_.consumer, 64, options_.block_ms, read_pending);
    if (!changes) {
      logger()->warn("consumer={} reading {} failed, retrying in 1 s: {}", options_.consumer,
                     keys::spec_stream(), changes.error().message);
      std::this_thread::sleep_for(std::chrono::seconds(1));
      read_pending = true;
      continue;
    }
    // Pending entries come back all at once; once none are left, read new ones.
    if (read_pending && changes->empty()) {
      read_pending = false;
      continue;
    }

    for (const auto& change : *changes) {
      if (auto status = handle(change); !status) {
        // Left unacknowledged: the entry is read again as pending, and the resync repairs
        // the state even if it is trimmed.
        logger()->error("ctr={} uid={} op={} failed: {}", change.name, change.uid, change.op,
                        status.error().message);
        continue;
      }
      if (auto status = store_.ack_spec_change(change.id); !status) {
        logger()->warn("ack of {} failed: {}", change.id, status.error().message);
      }
    }
  }
  logger()->info("consumer={} stopped", options_.consumer);
}

Status Controller::handle(const SpecChange& change) {
  if (change.kind != kContainer) {
    return Status::Ok();
  }
  if (change.op == "removed") {
    return handle_removal(change.node, change.name, change.uid);
  }
  return reconcile_container(change.name);
}

Status Controller::resync() {
  auto objects = store_.list(kContainer);
  if (!objects) {
    return objects.error();
  }
  for (const auto& object : *objects) {
    if (auto status = reconcile_container(object.name); !status) {
      logger()->error("ctr={} uid={} resync failed: {}", object.name, object.uid,
                      status.error().message);
    }
  }
  return Status::Ok();
}

Status Controller::reconcile_container(const std::string& name) {
  auto object = store_.get(kContainer, name);
  if (!object) {
    return object.error();
  }
  if (!object->has_value()) {
    return Status::Ok();  // dropped after its deletion finished
  }
  const ObjectRecord& record = **object;

  auto found = find_assignment(name);
  if (!found) {
    return found.error();
  }

  if (record.deletion_requested_at) {
    if (found->has_value()) {
      return begin_removal(record, (*found)->first);
    }
    return finish_deletion(record);
  }

  if (!found->has_value()) {
    return place(record);
  }

  auto& [node, assignment] = **found;
  if (assignment.value("uid", "") != record.uid) {
    // The previous incarnation of this name is still being removed from its host.
    return Status::Ok();
  }
  if (assignment.value("generation", int64_t{0}) >= record.generation) {
    return Status::Ok();
  }
  return update_assignment(record, node, assignment);
}

Status Controller::place(const ObjectRecord& object) {
  auto nodes = candidates();
  if (!nodes) {
    return nodes.error();
  }
  auto placement = scheduler_.place(placement_request(object.spec), *nodes);
  if (!placement.node) {
    return set_pending(object, "Unschedulable", placement.reason);
  }
  const std::string& node = *placement.node;
  std::string pool = pool_of(object);

  std::optional<ipam::Ipv4> requested;
  if (object.spec.contains("ip")) {
    auto parsed = ipam::Ipv4::parse(object.spec["ip"].get<std::string>());
    if (!parsed) {
      return set_pending(object, "InvalidAddress", parsed.error().message);
    }
    requested = *parsed;
  }

  auto address = ipam_->allocate(pool, owner_of(object), requested);
  if (!address) {
    if (address.code() == ErrorCode::kUnavailable) {
      return address.error();
    }
    return set_pending(object, "AddressUnavailable", address.error().message);
  }

  auto pool_info = ipam_->get_pool(pool);
  if (!pool_info) {
    return pool_info.error();
  }
  auto gateway = gateway_for(*pool_info, node);
  if (!gateway) {
    return set_pending(object, "GatewayUnavailable", gateway.error().message);
  }

  nlohmann::json assignment = {
      {"uid", object.uid},
      {"generation", object.generation},
      {"spec", object.spec},
      {"labels", object.labels},
      {"ip", address->to_string()},
      {"pool", pool},
      {"subnet", pool_info->cidr.to_string()},
      {"gateway", *gateway},
      {"deleting", false},
  };
  if (auto status = store_.put_assignment(node, object.name, assignment); !status) {
    return status;
  }

  nlohmann::json status = {{"phase", "Pending"},    {"node", node},  {"ip", address->to_string()},
                           {"reason", "Scheduled"}, {"message", ""}, {"observedGeneration", 0},
                           {"restarts", 0}};
  if (auto written = store_.put_status(object.name, status); !written) {
    return written;
  }
  logger()->info("ctr={} node={} uid={} ip={} scheduled", object.name, node, object.uid,
                 address->to_string());
  event(object, "Normal", "Scheduled",
        fmt::format("assigned to {} with address {}", node, address->to_string()));
  return Status::Ok();
}

Status Controller::update_assignment(const ObjectRecord& object, const std::string& node,
                                     nlohmann::json assignment) {
  assignment["generation"] = object.generation;
  assignment["spec"] = object.spec;
  assignment["labels"] = object.labels;
  if (auto status = store_.put_assignment(node, object.name, assignment); !status) {
    return status;
  }
  logger()->info("ctr={} node={} uid={} generation={} assignment updated", object.name, node,
                 object.uid, object.generation);
  return Status::Ok();
}

Status Controller::begin_removal(const ObjectRecord& object, const std::string& node) {
  auto assignments = store_.assignments(node);
  if (!assignments) {
    return assignments.error();
  }
  auto it = assignments->find(object.name);
  if (it == assignments->end() || it->second.value("deleting", false)) {
    return Status::Ok();  // already asked; waiting for the host to confirm
  }

  it->second["deleting"] = true;
  if (auto status = store_.put_assignment(node, object.name, it->second); !status) {
    return status;
  }
  logger()->info("ctr={} node={} uid={} removal requested", object.name, node, object.uid);
  return Status::Ok();
}

Status Controller::handle_removal(const std::string& node, const std::string& name,
                                  const std::string& uid) {
  if (auto status = store_.remove_assignment(node, name, uid); !status) {
    return status;
  }

  auto object = store_.get(kContainer, name);
  if (!object) {
    return object.error();
  }
  if (!object->has_value() || (*object)->uid != uid || !(*object)->deletion_requested_at) {
    // A newer incarnation, or a container the host removed for its own reasons: the next
    // reconcile decides what it needs.
    return object->has_value() ? reconcile_container(name) : Status::Ok();
  }
  return finish_deletion(**object);
}

Status Controller::finish_deletion(const ObjectRecord& object) {
  // The host confirmed (or the container was never placed): only now may the address go
  // back to the pool, so that no two live containers can hold it.
  auto released = ipam_->release(pool_of(object), owner_of(object));
  if (!released && released.code() != ErrorCode::kNotFound) {
    return released.error();
  }

  auto dropped = store_.drop(kContainer, object.name, object.uid);
  if (!dropped) {
    return dropped.error();
  }
  logger()->info("ctr={} uid={} deleted, address released", object.name, object.uid);
  return Status::Ok();
}

Result<std::string> Controller::gateway_for(const ipam::PoolSpec& spec, const std::string& node) {
  const std::string& pool = spec.name;
  auto reply = client_.command({"HGETALL", keys::gateways(pool)});
  if (!reply) {
    return reply.error();
  }
  bool pool_gateway_taken = false;
  auto layout = ipam::plan_pool(spec);
  if (!layout) {
    return layout.error();
  }
  std::string pool_gateway = layout->gateway.to_string();
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    if (reply->elements[i].text == node) {
      return reply->elements[i + 1].text;
    }
    pool_gateway_taken |= reply->elements[i + 1].text == pool_gateway;
  }

  // The first host on a pool uses the pool's gateway. Every further host needs an address
  // of its own for its bridge, reserved so that no container ever gets it.
  std::string address = pool_gateway;
  if (pool_gateway_taken) {
    auto reserved = ipam_->reserve_next(pool, "node/" + node);
    if (!reserved) {
      return reserved.error();
    }
    address = reserved->to_string();
  }
  auto written = client_.command({"HSET", keys::gateways(pool), node, address});
  if (!written) {
    return written.error();
  }
  logger()->info("node={} pool={} gateway={}", node, pool, address);
  return address;
}

Result<std::vector<NodeCandidate>> Controller::candidates() {
  auto nodes = store_.nodes();
  if (!nodes) {
    return nodes.error();
  }
  auto beats = store_.heartbeats();
  if (!beats) {
    return beats.error();
  }

  int64_t now = now_ms();
  std::vector<NodeCandidate> out;
  for (const auto& [name, record] : *nodes) {
    NodeCandidate candidate;
    candidate.name = name;
    auto beat = beats->find(name);
    candidate.ready = beat != beats->end() && now - beat->second < options_.node_grace.count();
    candidate.schedulable = !record.value("unschedulable", false);
    candidate.labels = record.value("labels", std::map<std::string, std::string>());
    candidate.cpu_capacity_millis = record.value("cpuMillis", int64_t{0});
    candidate.memory_capacity_bytes = record.value("memoryBytes", int64_t{0});

    auto assigned = store_.assignments(name);
    if (!assigned) {
      return assigned.error();
    }
    for (const auto& [container, assignment] : *assigned) {
      auto request = placement_request(assignment.value("spec", nlohmann::json::object()));
      candidate.cpu_requested_millis += request.cpu_millis;
      candidate.memory_requested_bytes += request.memory_bytes;
      ++candidate.containers;
    }
    out.push_back(std::move(candidate));
  }
  return out;
}

Result<std::optional<std::pair<std::string, nlohmann::json>>> Controller::find_assignment(
    const std::string& name) {
  using Found = std::optional<std::pair<std::string, nlohmann::json>>;
  auto nodes = store_.nodes();
  if (!nodes) {
    return nodes.error();
  }
  // NOTE: one HGET per registered host; fine for hundreds of hosts, a placement index
  // (container -> host) would make it one call.
  for (const auto& [node, record] : *nodes) {
    auto reply = client_.command({"HGET", keys::assignments(node), name});
    if (!reply) {
      return reply.error();
    }
    if (reply->is_nil()) {
      continue;
    }
    try {
      return Found(std::make_pair(node, nlohmann::json::parse(reply->text)));
    } catch (const nlohmann::json::exception& e) {
      return make_error(ErrorCode::kInternal,
                        fmt::format("malformed assignment of {} on {}: {}", name, node, e.what()));
    }
  }
  return Found();
}

Status Controller::set_pending(const ObjectRecord& object, const std::string& reason,
                               const std::string& message) {
  auto current = store_.get_status(object.name);
  if (!current) {
    return current.error();
  }
  if (current->has_value() && (**current).value("reason", "") == reason &&
      (**current).value("message", "") == message) {
    return Status::Ok();
  }

  nlohmann::json status = {{"phase", "Pending"},
                           {"reason", reason},
                           {"message", message},
                           {"observedGeneration", 0},
                           {"restarts", 0}};
  if (auto written = store_.put_status(object.name, status); !written) {
    return written;
  }
  logger()->warn("ctr={} uid={} pending: {}: {}", object.name, object.uid, reason, message);
  event(object, "Warning", reason == "Unschedulable" ? "FailedScheduling" : reason, message);
  return Status::Ok();
}

void Controller::event(const ObjectRecord& object, const std::string& type,
                       const std::string& reason, const std::string& message) {
  EventRecord record{type, reason, message, kSource};
  if (auto status = store_.add_event(kContainer, object.name, record); !status) {
    logger()->warn("ctr={} event {} not recorded: {}", object.name, reason, status.error().message);
  }
}

}  // namespace raictl::controller
