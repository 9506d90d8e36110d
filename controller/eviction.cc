// Controller: moving copies off hosts that are lost or drained, and the addresses their old
// copies hold until they are gone.
#include "controller/controller.h"
#include "controller/controller_internal.h"
#include "fmt/format.h"
#include "ipam/ipam.h"

namespace raictl::controller {

namespace {

constexpr const char* kHeldPrefix = "held/";

// "held/<node>/<name>" -> node and name; neither may contain '/'.
std::optional<std::pair<std::string, std::string>> parse_holder(const std::string& holder) {
  if (!holder.starts_with(kHeldPrefix)) {
    return std::nullopt;
  }
  std::string rest = holder.substr(std::string(kHeldPrefix).size());
  auto slash = rest.find('/');
  if (slash == std::string::npos) {
    return std::nullopt;
  }
  return std::make_pair(rest.substr(0, slash), rest.substr(slash + 1));
}

}  // namespace

Status Controller::evict_all(const std::string& node, const std::string& cause, bool node_lost) {
  auto assigned = store_.assignments(node);
  if (!assigned) {
    return assigned.error();
  }

  for (const auto& [name, assignment] : *assigned) {
    if (!may_act()) {
      return Status::Ok();
    }
    if (assignment.value("evicted", false)) {
      continue;  // already moved; waiting for the host to confirm
    }
    auto object = store_.get(kContainer, name);
    if (!object) {
      return object.error();
    }
    if (!object->has_value() || (*object)->uid != assignment.value("uid", "")) {
      continue;  // a leftover of a deleted incarnation; the host removes it when back
    }
    const ObjectRecord& record = **object;

    if (assignment.value("deleting", false)) {
      // A lost host cannot confirm: fence the old copy's address and let the deletion
      // finish. A drained host is alive and confirms by itself.
      if (node_lost) {
        if (auto hold_status = hold_and_mark(record, node, assignment); !hold_status) {
          return hold_status;
        }
        if (auto finished = finish_deletion(record); !finished) {
          return finished;
        }
      }
      continue;
    }

    if (record.spec.value("node", "") == node) {
      if (node_lost) {
        auto status = mark_unknown(
            record, assignment,
            fmt::format("node {} is not ready ({}); the container is pinned there by spec.node "
                        "and waits for it to return",
                        node, cause));
        if (!status) {
          return status;
        }
      }
      continue;
    }

    // An uncordon may land while this loop runs; a drain that ended moves nothing more.
    if (!node_lost) {
      auto draining = still_draining(node);
      if (!draining) {
        return draining.error();
      }
      if (!*draining) {
        return Status::Ok();
      }
    }

    auto moved = evict(record, node, assignment, cause);
    if (!moved) {
      logger()->error("ctr={} node={} uid={} move failed: {}", name, node, record.uid,
                      moved.error().message);
      continue;
    }
    if (moved->node) {
      continue;
    }
    if (node_lost) {
      auto status = mark_unknown(record, assignment,
                                 fmt::format("node {} is not ready ({}); no other node fits: {}",
                                             node, cause, moved->reason));
      if (!status) {
        return status;
      }
      continue;
    }
    // The copy still runs, so its status stays as it is. The event gives a waiting drain
    // the reason.
    event(record, "Warning", "FailedScheduling",
          fmt::format("cannot move off {} ({}): {}", node, cause, moved->reason));
  }
  return Status::Ok();
}

Result<bool> Controller::still_draining(const std::string& node) {
  auto cordons = store_.cordons();
  if (!cordons) {
    return cordons.error();
  }
  auto cordon = cordons->find(node);
  return cordon != cordons->end() && cordon->second.value("drain", false);
}

Result<Placement> Controller::evict(const ObjectRecord& object, const std::string& node,
                                    const nlohmann::json& assignment, const std::string& cause) {
  // A copy moves only when it has somewhere to go: holding its address and asking the host
  // to remove it would otherwise turn a running container into a Pending one.
  auto nodes = candidates();
  if (!nodes) {
    return nodes.error();
  }
  std::erase_if(*nodes, [&](const NodeCandidate& candidate) { return candidate.name == node; });
  auto target = scheduler_.place(placement_request(object.spec), *nodes);
  std::string stay_key = node + "/" + object.name;
  if (!target.node) {
    // The monitor retries every second: log only when the reason changes.
    if (stay_reasons_[stay_key] != target.reason) {
      logger()->info("ctr={} node={} uid={} stays: {}; no other node fits: {}", object.name, node,
                     object.uid, cause, target.reason);
      stay_reasons_[stay_key] = target.reason;
    }
    return target;
  }
  stay_reasons_.erase(stay_key);

  if (auto hold_status = hold_and_mark(object, node, assignment); !hold_status) {
    return hold_status.error();
  }
  if (auto placed = place(object, {node}); !placed) {
    // The copy is already asked to go; the resync places the container again.
    return placed.error();
  }

  std::string old_ip = assignment.value("ip", "");
  logger()->info("ctr={} node={} uid={} moved: {}; old address {} held", object.name, node,
                 object.uid, cause, old_ip);
  event(object, "Normal", "Moved",
        fmt::format("moved off {}: {}; the old address {} stays held until {} confirms its old "
                    "copy is gone",
                    node, cause, old_ip, node));
  return target;
}

Status Controller::hold_and_mark(const ObjectRecord& object, const std::string& node,
                                 const nlohmann::json& assignment) {
  std::string pool = assignment.value("pool", "");
  std::string holder = held_holder(node, object.name);
  auto address = ipam::Ipv4::parse(assignment.value("ip", ""));
  if (!address) {
    return address.error();
  }

  // Hold first, then mark: once marked, the container may be placed again, and a new
  // allocation must never return the old copy's address.
  ipam::Owner owner{"container", object.name, assignment.value("uid", "")};
  auto hold_status = ipam_->hold(pool, owner, *address, holder);
  if (!hold_status && hold_status.code() == ErrorCode::kNotFound) {
    // The owner no longer has it allocated (an earlier release); keep it taken anyway.
    hold_status = ipam_->reserve(pool, *address, holder);
  }
  if (!hold_status) {
    return hold_status;
  }

  nlohmann::json updated = assignment;
  updated["deleting"] = true;
  updated["evicted"] = true;
  updated["heldBy"] = holder;
  auto marked = store_.mark_removal(node, object.name, updated, lease_.fence());
  if (!marked) {
    return marked.error();
  }
  if (!*marked) {
    return make_error(
        ErrorCode::kConflict,
        fmt::format("the copy of {} on {} changed while it was being moved", object.name, node));
  }
  return Status::Ok();
}

Status Controller::mark_unknown(const ObjectRecord& object, const nlohmann::json& assignment,
                                const std::string& message) {
  auto current = store_.get_status(object.name);
  if (!current) {
    return current.error();
  }
  nlohmann::json status = current->value_or(nlohmann::json::object());
  if (status.value("phase", "") == "Unknown" && status.value("message", "") == message) {
    return Status::Ok();
  }

  status["phase"] = "Unknown";
  status["reason"] = "NodeNotReady";
  status["message"] = message;
  status["ip"] = assignment.value("ip", "");
  if (auto written = store_.put_status(object.name, status); !written) {
    return written;
  }
  logger()->warn("ctr={} uid={} unknown: {}", object.name, object.uid, message);
  event(object, "Warning", "NodeNotReady", message);
  return Status::Ok();
}

Status Controller::release_held(const std::string& node, const nlohmann::json& assignment) {
  std::string pool = assignment.value("pool", "");
  std::string holder = assignment.value("heldBy", "");
  auto address = ipam::Ipv4::parse(assignment.value("ip", ""));
  if (!address) {
    return address.error();
  }
  auto released = ipam_->unreserve(pool, *address, holder);
  if (!released && released.code() != ErrorCode::kNotFound) {
    return released;
  }
  logger()->info("node={} pool={} holder={} old copy gone, address {} released", node, pool, holder,
                 address->to_string());
  return Status::Ok();
}

Status Controller::repair_held_addresses() {
  auto pools = ipam_->list_pools();
  if (!pools) {
    return pools.error();
  }
  std::map<std::string, std::map<std::string, nlohmann::json>> assigned;  // node -> copies

  for (const auto& pool : *pools) {
    auto allocations = ipam_->allocations(pool.name);
    if (!allocations) {
      return allocations.error();
    }
    for (const auto& reservation : allocations->reservations) {
      auto parsed = parse_holder(reservation.holder);
      if (!parsed || !may_act()) {
        continue;
      }
      const auto& [node, name] = *parsed;
      if (!assigned.contains(node)) {
        auto copies = store_.assignments(node);
        if (!copies) {
          return copies.error();
        }
        assigned[node] = std::move(copies).value();
      }

      std::string address = reservation.address.to_string();
      auto entry = assigned[node].find(name);
      bool present = entry != assigned[node].end() && entry->second.value("ip", "") == address &&
                     entry->second.value("pool", "") == pool.name;
      if (present && entry->second.value("evicted", false)) {
        continue;  // the normal case: waiting for the host to confirm
      }
      if (present) {
        // Held, but the move stopped before the copy was marked. On a Ready host the copy
        // keeps running, so the address goes back to it; otherwise the monitor finishes it.
        if (published_ready_[node]) {
          ipam::Owner owner{"container", name, entry->second.value("uid", "")};
          if (auto back = ipam_->unhold(pool.name, owner, reservation.address, reservation.holder);
              !back) {
            logger()->error("ctr={} node={} giving back held address {} failed: {}", name, node,
                            address, back.error().message);
          }
        }
        continue;
      }
      logger()->warn("ctr={} node={} address {} was held for a copy that is gone; releasing it",
                     name, node, address);
      if (auto released = ipam_->unreserve(pool.name, reservation.address, reservation.holder);
          !released && released.code() != ErrorCode::kNotFound) {
        return released;
      }
    }
  }
  return Status::Ok();
}

Status Controller::retry_pending() {
  retry_pending_ = false;
  auto objects = store_.list(kContainer);
  if (!objects) {
    return objects.error();
  }
  auto placed = store_.placements();
  if (!placed) {
    return placed.error();
  }
  for (const auto& object : *objects) {
    // A deleted container whose host was force-removed has no copy left to confirm: the
    // reconcile finishes its deletion.
    if (placed->contains(object.name) || !may_act()) {
      continue;
    }
    if (auto status = reconcile_container(object.name); !status) {
      logger()->error("ctr={} uid={} placing failed: {}", object.name, object.uid,
                      status.error().message);
    }
  }
  return Status::Ok();
}

}  // namespace raictl::controller
