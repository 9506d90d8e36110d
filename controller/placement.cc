// Controller: choosing a host, committing the placement and updating it on spec changes.
#include "controller/controller.h"
#include "controller/controller_internal.h"
#include "core/keys.h"
#include "fmt/format.h"
#include "ipam/ipam.h"

namespace raictl::controller {

namespace {

// A commit can lose a race against a change that the candidates did not show yet: capacity
// taken by an update, a cordon, a copy still being removed. So each retry reads fresh
// candidates.
constexpr int kPlaceAttempts = 3;

bool lost_race(const Status& status) {
  return status.code() == ErrorCode::kExhausted || status.code() == ErrorCode::kConflict;
}

}  // namespace

Status Controller::place(const ObjectRecord& object, std::set<std::string> excluded) {
  Status last = Status::Ok();
  for (int attempt = 0; attempt < kPlaceAttempts; ++attempt) {
    auto nodes = candidates();
    if (!nodes) {
      return nodes.error();
    }
    std::erase_if(*nodes, [&](const NodeCandidate& node) { return excluded.contains(node.name); });
    auto placement = scheduler_.place(placement_request(object.spec), *nodes);
    if (!placement.node) {
      return set_pending(object, "Unschedulable", placement.reason);
    }

    last = commit_new(object, *placement.node);
    if (last || !lost_race(last)) {
      return last;
    }
    logger()->info("ctr={} node={} uid={} placement lost a race, choosing again: {}", object.name,
                   *placement.node, object.uid, last.error().message);
    // A conflict (cordoned, another copy still there) lasts longer than this loop.
    if (last.code() == ErrorCode::kConflict) {
      excluded.insert(*placement.node);
    }
  }
  return set_pending(object, "Unschedulable", last.error().message);
}

Status Controller::commit_new(const ObjectRecord& object, const std::string& node) {
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

  auto request = placement_request(object.spec);
  nlohmann::json assignment = {
      {"uid", object.uid},
      {"assignment", new_uid()},
      {"generation", object.generation},
      {"spec", object.spec},
      {"labels", object.labels},
      {"ip", address->to_string()},
      {"pool", pool},
      {"subnet", pool_info->cidr.to_string()},
      {"gateway", *gateway},
      {"cpuMillis", request.cpu_millis},
      {"memoryBytes", request.memory_bytes},
      {"deleting", false},
  };
  if (auto committed = store_.commit_assignment(node, object.name, assignment, lease_.fence());
      !committed) {
    return committed;
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
                                     const nlohmann::json& assignment) {
  auto fits = fits_where_it_is(object, node, assignment);
  if (!fits) {
    return fits.error();
  }
  if (!*fits) {
    return moved_or_reported(object, node, assignment, "its new spec no longer fits on " + node);
  }

  auto request = placement_request(object.spec);
  nlohmann::json updated = assignment;
  updated["generation"] = object.generation;
  updated["spec"] = object.spec;
  updated["labels"] = object.labels;
  updated["cpuMillis"] = request.cpu_millis;
  updated["memoryBytes"] = request.memory_bytes;
  auto committed = store_.commit_assignment(node, object.name, updated, lease_.fence());
  if (!committed && committed.code() == ErrorCode::kExhausted) {
    return moved_or_reported(object, node, assignment, committed.error().message);
  }
  if (!committed) {
    return committed;
  }
  logger()->info("ctr={} node={} uid={} generation={} assignment updated", object.name, node,
                 object.uid, object.generation);
  return Status::Ok();
}

Status Controller::moved_or_reported(const ObjectRecord& object, const std::string& node,
                                     const nlohmann::json& assignment, const std::string& cause) {
  auto moved = evict(object, node, assignment, cause);
  if (!moved) {
    return moved.error();
  }
  if (!moved->node) {
    // The old copy keeps running with its old spec until a host fits the new one.
    event(object, "Warning", "FailedScheduling",
          fmt::format("{}, and no other node fits: {}", cause, moved->reason));
  }
  return Status::Ok();
}

Result<bool> Controller::fits_where_it_is(const ObjectRecord& object, const std::string& node,
                                          const nlohmann::json& assignment) {
  auto nodes = candidates();
  if (!nodes) {
    return nodes.error();
  }
  auto it = std::find_if(nodes->begin(), nodes->end(),
                         [&](const NodeCandidate& candidate) { return candidate.name == node; });
  if (it == nodes->end()) {
    return false;
  }

  // The copy's own requests make room for the new ones; readiness and cordons never move a
  // container that is already placed.
  NodeCandidate self = *it;
  self.cpu_requested_millis -= assignment.value("cpuMillis", int64_t{0});
  self.memory_requested_bytes -= assignment.value("memoryBytes", int64_t{0});
  self.ready = true;
  self.schedulable = true;
  return scheduler_.place(placement_request(object.spec), {self}).node.has_value();
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
  auto hosts = read_hosts();
  if (!hosts) {
    return hosts.error();
  }
  auto views = judge_nodes(*hosts);
  const auto& nodes = hosts->nodes;

  std::vector<std::vector<std::string>> reads;
  for (const auto& [name, record] : nodes) {
    reads.push_back({"HMGET", keys::allocated(name), "cpuMillis", "memoryBytes", "containers"});
  }
  auto allocated = client_.pipeline(reads);
  if (!allocated) {
    return allocated.error();
  }

  std::vector<NodeCandidate> out;
  size_t index = 0;
  for (const auto& [name, record] : nodes) {
    NodeCandidate candidate;
    candidate.name = name;
    candidate.ready = views[name].ready;
    candidate.schedulable = !hosts->cordons.contains(name);
    candidate.labels = record.value("labels", std::map<std::string, std::string>());
    candidate.cpu_capacity_millis = record.value("cpuMillis", int64_t{0});
    candidate.memory_capacity_bytes = record.value("memoryBytes", int64_t{0});

    const auto& fields = (*allocated)[index++].elements;
    auto field = [&](size_t i) {
      return i < fields.size() ? std::strtoll(fields[i].text.c_str(), nullptr, 10) : 0;
    };
    candidate.cpu_requested_millis = field(0);
    candidate.memory_requested_bytes = field(1);
    candidate.containers = static_cast<int>(field(2));
    out.push_back(std::move(candidate));
  }
  return out;
}

Result<std::optional<std::pair<std::string, nlohmann::json>>> Controller::find_assignment(
    const std::string& name) {
  using Found = std::optional<std::pair<std::string, nlohmann::json>>;
  auto node = store_.placement(name);
  if (!node) {
    return node.error();
  }
  if (!node->has_value()) {
    return Found();
  }

  auto reply = client_.command({"HGET", keys::assignments(**node), name});
  if (!reply) {
    return reply.error();
  }
  if (reply->is_nil()) {
    // Only a hand-edited store gets here: the scripts change both together.
    logger()->warn(
        "ctr={} node={} placement index names a node without the assignment; "
        "dropping the index entry",
        name, **node);
    if (auto dropped = client_.command({"HDEL", keys::placements(), name}); !dropped) {
      return dropped.error();
    }
    return Found();
  }
  try {
    return Found(std::make_pair(**node, nlohmann::json::parse(reply->text)));
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("malformed assignment of {} on {}: {}", name, **node, e.what()));
  }
}

}  // namespace raictl::controller
