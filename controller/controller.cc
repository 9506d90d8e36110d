#include "controller/controller.h"

#include <thread>

#include "controller/controller_internal.h"
#include "core/keys.h"
#include "fmt/format.h"
#include "ipam/ipam.h"

namespace raictl::controller {

Status validate(const ControllerOptions& options) {
  if (options.node_grace < 3 * options.heartbeat_interval) {
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("--node-grace {} s is less than three heartbeat intervals of {} s, so one "
                    "late heartbeat could move containers; use --node-grace {} or more, or a "
                    "shorter --heartbeat-interval",
                    options.node_grace.count() / 1000.0,
                    options.heartbeat_interval.count() / 1000.0,
                    3 * options.heartbeat_interval.count() / 1000.0));
  }
  if (options.lease_ttl < 3 * std::chrono::milliseconds(options.block_ms)) {
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("--lease-ttl {} s is too short to renew between reads; use "
                    "{} s or more",
                    options.lease_ttl.count() / 1000.0, 3 * options.block_ms / 1000.0));
  }
  return Status::Ok();
}

Controller::Controller(RedisClient& client, ControllerOptions options)
    : client_(client),
      options_(std::move(options)),
      store_(client),
      ipam_(std::make_unique<ipam::Ipam>(client)),
      scheduler_(options_.scoring),
      lease_(client, options_.consumer, options_.lease_ttl) {}

Controller::~Controller() = default;

void Controller::run(const std::atomic<bool>& stop) {
  managed_ = true;
  logger()->info("controller={} starting as a standby", options_.consumer);
  bool leading = false;
  bool read_pending = true;
  auto next_resync = std::chrono::steady_clock::now();
  auto next_monitor = next_resync;

  while (!stop.load()) {
    bool now_leading = keep_leading();
    if (!now_leading) {
      if (leading) {
        logger()->warn("controller={} is a standby again", options_.consumer);
      }
      leading = false;
      std::this_thread::sleep_for(options_.lease_ttl / 5);
      continue;
    }
    if (!leading) {
      leading = true;
      on_elected();
      read_pending = true;
      next_resync = next_monitor = std::chrono::steady_clock::now();
    }
    lead_once(read_pending, next_resync, next_monitor);
  }

  lease_.release();
  logger()->info("controller={} stopped", options_.consumer);
}

bool Controller::keep_leading() {
  auto leading = lease_.acquire_or_renew();
  if (!leading) {
    logger()->warn("controller={} lease renewal failed, retrying: {}", options_.consumer,
                   leading.error().message);
    return lease_.valid();
  }
  return *leading;
}

void Controller::on_elected() {
  leading_since_ = std::chrono::steady_clock::now();
  published_ready_.clear();
  last_nodes_signature_.clear();
  retry_pending_ = true;
  logger()->info("controller={} leading with {}", options_.consumer, lease_.fence());

  nlohmann::json settings = {{"nodeGraceMs", options_.node_grace.count()},
                             {"heartbeatIntervalMs", options_.heartbeat_interval.count()},
                             {"scoring", scoring_name(options_.scoring)},
                             {"leader", options_.consumer}};
  if (auto published = store_.put_cluster_settings(settings); !published) {
    logger()->warn("controller={} publishing cluster settings failed: {}", options_.consumer,
                   published.error().message);
  }

  // A predecessor that died left its entries pending under its own consumer name.
  auto claimed = store_.claim_spec_changes(options_.consumer);
  if (!claimed) {
    logger()->warn("controller={} claiming pending entries failed; the resync covers them: {}",
                   options_.consumer, claimed.error().message);
  } else if (*claimed > 0) {
    logger()->info("controller={} took over {} unacknowledged entries", options_.consumer,
                   *claimed);
  }
}

void Controller::lead_once(bool& read_pending, std::chrono::steady_clock::time_point& next_resync,
                           std::chrono::steady_clock::time_point& next_monitor) {
  auto now = std::chrono::steady_clock::now();
  if (now >= next_resync) {
    if (auto status = resync(); !status) {
      logger()->error("controller={} resync failed: {}", options_.consumer, status.error().message);
    }
    next_resync = std::chrono::steady_clock::now() + options_.resync_interval;
  }
  if (now >= next_monitor) {
    if (auto status = monitor_nodes(); !status) {
      logger()->error("controller={} node monitor failed: {}", options_.consumer,
                      status.error().message);
    }
    next_monitor = std::chrono::steady_clock::now() + options_.monitor_interval;
  }

  auto changes = store_.read_spec_changes(options_.consumer, 64, options_.block_ms, read_pending);
  if (!changes) {
    logger()->warn("controller={} reading {} failed, retrying in 1 s: {}", options_.consumer,
                   keys::spec_stream(), changes.error().message);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    read_pending = true;
    return;
  }
  // Pending entries come back all at once; once none are left, read new ones.
  if (read_pending && changes->empty()) {
    read_pending = false;
    return;
  }

  for (const auto& change : *changes) {
    if (!may_act()) {
      return;  // left pending for the next leader
    }
    if (auto status = handle(change); !status) {
      // Left unacknowledged: the entry is read again as pending, and the resync repairs
      // the state even if it is trimmed.
      logger()->error("ctr={} uid={} op={} failed: {}", change.name, change.uid, change.op,
                      status.error().message);
      read_pending = true;
      continue;
    }
    if (auto status = store_.ack_spec_change(change.id); !status) {
      logger()->warn("ack of {} failed: {}", change.id, status.error().message);
    }
  }
  if (retry_pending_ && may_act()) {
    if (auto status = retry_pending(); !status) {
      logger()->warn("controller={} retrying Pending containers failed: {}", options_.consumer,
                     status.error().message);
    }
  }
}

bool Controller::may_act() const {
  return !managed_ || lease_.valid();
}

Status Controller::handle(const SpecChange& change) {
  if (change.op == "node") {
    // A cordon, drain or removal: the monitor looks at every host at once.
    retry_pending_ = true;
    return monitor_nodes();
  }
  if (change.kind != kContainer) {
    return Status::Ok();
  }
  if (change.op == "removed") {
    return handle_removal(change.node, change.name, change.uid, change.assignment);
  }
  return reconcile_container(change.name);
}

Status Controller::resync() {
  auto nodes = store_.nodes();
  if (!nodes) {
    return nodes.error();
  }
  for (const auto& [node, record] : *nodes) {
    auto repaired = store_.repair_node_index(node);
    if (!repaired) {
      return repaired.error();
    }
    if (*repaired) {
      logger()->warn(
          "node={} placement index or allocated requests disagreed with its "
          "assignments; recomputed",
          node);
    }
  }

  auto objects = store_.list(kContainer);
  if (!objects) {
    return objects.error();
  }
  for (const auto& object : *objects) {
    if (!may_act()) {
      return Status::Ok();
    }
    if (auto status = reconcile_container(object.name); !status) {
      logger()->error("ctr={} uid={} resync failed: {}", object.name, object.uid,
                      status.error().message);
    }
  }
  return repair_held_addresses();
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
      return begin_removal(record, (*found)->first, (*found)->second);
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

Status Controller::begin_removal(const ObjectRecord& object, const std::string& node,
                                 const nlohmann::json& assignment) {
  if (assignment.value("deleting", false)) {
    return Status::Ok();  // already asked; waiting for the host to confirm
  }
  nlohmann::json updated = assignment;
  updated["deleting"] = true;
  auto marked = store_.mark_removal(node, object.name, updated, lease_.fence());
  if (!marked) {
    return marked.error();
  }
  if (*marked) {
    logger()->info("ctr={} node={} uid={} removal requested", object.name, node, object.uid);
  }
  return Status::Ok();
}

Status Controller::handle_removal(const std::string& node, const std::string& name,
                                  const std::string& uid, const std::string& assignment_uid) {
  auto removed =
      store_.remove_assignment(node, name, assignment_uid.empty() ? uid : assignment_uid);
  if (!removed) {
    return removed.error();
  }
  if (removed->has_value()) {
    retry_pending_ = true;  // its requests are free again
    if ((**removed).value("evicted", false)) {
      return release_held(node, **removed);
    }
  }

  auto object = store_.get(kContainer, name);
  if (!object) {
    return object.error();
  }
  if (!object->has_value()) {
    return Status::Ok();
  }
  if ((*object)->uid != uid || !(*object)->deletion_requested_at) {
    // A newer incarnation, or a container the host removed for its own reasons: the next
    // reconcile decides what it needs.
    return reconcile_container(name);
  }
  return finish_deletion(**object);
}

Status Controller::finish_deletion(const ObjectRecord& object) {
  auto placed = store_.placement(object.name);
  if (!placed) {
    return placed.error();
  }
  if (placed->has_value()) {
    return Status::Ok();  // a copy still runs somewhere; its confirmation comes back here
  }

  // No copy is live any more: the host confirmed, the container was never placed, or its
  // lost host's copy has the address held. Only now may the address go back to the pool.
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

Status Controller::set_pending(const ObjectRecord& object, const std::string& reason,
                               const std::string& message) {
  auto current = store_.get_status(object.name);
  if (!current) {
    return current.error();
  }
  if (current->has_value() && (**current).value("phase", "") == "Pending" &&
      (**current).value("reason", "") == reason && (**current).value("message", "") == message) {
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
