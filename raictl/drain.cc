#include "raictl/drain.h"

#include <thread>

#include "core/log.h"
#include "fmt/format.h"
#include "raictl/node_view.h"

namespace raictl::cli {

namespace {

using Clock = std::chrono::steady_clock;

std::string json_text(const nlohmann::json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "status Running, no reason given" or "status Unknown, NodeNotReady: node host-3 is ...".
std::string status_summary(const DrainContainer& container) {
  std::string text = "status " + (container.phase.empty() ? "Pending" : container.phase);
  if (container.reason.empty() && container.message.empty()) {
    return text + ", no reason given (\"raictl describe container\" lists its events)";
  }
  if (container.message.empty()) {
    return text + ", " + container.reason;
  }
  if (container.reason.empty()) {
    return text + ": " + container.message;
  }
  return text + ", " + container.reason + ": " + container.message;
}

Result<DrainSnapshot> read_snapshot(Store& store, const std::string& node) {
  DrainSnapshot snapshot;
  auto assignments = store.assignments(node);
  if (!assignments) {
    return assignments.error();
  }
  auto placements = store.placements();
  if (!placements) {
    return placements.error();
  }
  auto records = store.list("Container");
  if (!records) {
    return records.error();
  }
  auto statuses = store.list_statuses();
  if (!statuses) {
    return statuses.error();
  }

  snapshot.assignments = std::move(assignments).value();
  snapshot.placements = std::move(placements).value();
  for (const auto& record : *records) {
    DrainContainer container;
    container.pinned_node = json_text(record.spec, "node");
    if (auto status = statuses->find(record.name);
        status != statuses->end() && status->second.is_object()) {
      container.phase = json_text(status->second, "phase");
      container.reason = json_text(status->second, "reason");
      container.message = json_text(status->second, "message");
    }
    snapshot.containers[record.name] = std::move(container);
  }
  return snapshot;
}

// The controller keeps the status of a copy that cannot move, because the copy still runs.
// The reason is in its newest warning event.
Status explain_from_events(Store& store, DrainSnapshot& snapshot) {
  for (const auto& [name, assignment] : snapshot.assignments) {
    auto container = snapshot.containers.find(name);
    if (container == snapshot.containers.end() || !container->second.reason.empty()) {
      continue;
    }
    auto events = store.list_events("Container", name);
    if (!events) {
      return events.error();
    }
    for (const auto& event : *events) {
      if (event.type == "Warning") {
        container->second.reason = event.reason;
        container->second.message = event.message;
        break;
      }
    }
  }
  return Status::Ok();
}

// Ensures the node carries a drain request. Returns the line to print.
Result<std::string> request_drain(Store& store, const std::string& node) {
  auto cordons = store.cordons();
  if (!cordons) {
    return cordons.error();
  }
  auto existing = cordons->find(node);
  bool cordoned = existing != cordons->end();
  bool draining =
      cordoned && existing->second.is_object() && existing->second.value("drain", false);

  if (!draining) {
    if (auto written = store.cordon(node, true); !written) {
      return written.error();
    }
  }
  // Even a drain that was already requested gets a fresh wake-up, in case the controller
  // missed the first one.
  if (auto notified = store.notify_controller("node", node); !notified) {
    return notified.error();
  }
  component_logger("raictl")->debug("node={} drain requested", node);
  return fmt::format("node/{} {}", node, cordoned ? "already cordoned" : "cordoned");
}

Result<bool> still_draining(Store& store, const std::string& node) {
  auto cordons = store.cordons();
  if (!cordons) {
    return cordons.error();
  }
  auto cordon = cordons->find(node);
  return cordon != cordons->end() && cordon->second.is_object() &&
         cordon->second.value("drain", false);
}

void print_lines(const std::vector<std::string>& lines, std::ostream& out) {
  for (const auto& line : lines) {
    out << line << "\n";
  }
  out.flush();
}

}  // namespace

bool DrainTracker::pinned_here(const std::string& container) const {
  auto it = last_.containers.find(container);
  return it != last_.containers.end() && it->second.pinned_node == node_;
}

std::vector<std::string> DrainTracker::update(const DrainSnapshot& snapshot) {
  last_ = snapshot;
  for (const auto& [name, assignment] : snapshot.assignments) {
    seen_.insert(name);
  }

  std::vector<std::string> lines;
  for (const auto& name : seen_) {
    if (!reported_.contains(name) && pinned_here(name)) {
      lines.push_back(fmt::format("container/{} stays: pinned to {} by spec.node", name, node_));
      reported_.insert(name);
    }
  }
  for (const auto& name : seen_) {
    if (reported_.contains(name)) {
      continue;
    }
    auto placement = snapshot.placements.find(name);
    if (placement != snapshot.placements.end() && placement->second != node_) {
      lines.push_back(fmt::format("container/{} moved to {}", name, placement->second));
      reported_.insert(name);
    } else if (placement == snapshot.placements.end() && !snapshot.containers.contains(name) &&
               !snapshot.assignments.contains(name)) {
      lines.push_back(fmt::format("container/{} deleted", name));
      reported_.insert(name);
    }
  }
  return lines;
}

bool DrainTracker::drained() const {
  for (const auto& [name, assignment] : last_.assignments) {
    if (assignment.value("evicted", false) || !pinned_here(name)) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> DrainTracker::blockers() const {
  std::vector<std::string> lines;
  for (const auto& [name, assignment] : last_.assignments) {
    if (assignment.value("evicted", false)) {
      auto placement = last_.placements.find(name);
      std::string moved = placement == last_.placements.end() ? std::string("was moved")
                                                              : "moved to " + placement->second;
      lines.push_back(fmt::format(
          "container/{} {}, but {} has not confirmed that the old copy is gone (its address {} "
          "stays held); if {} is gone for good, run \"raictl node remove {} --force\"",
          name, moved, node_, assignment.value("ip", "<none>"), node_, node_));
    } else if (pinned_here(name)) {
      continue;
    } else if (assignment.value("deleting", false)) {
      lines.push_back(fmt::format(
          "container/{} is being deleted, and {} has not confirmed its removal yet", name, node_));
    } else {
      auto container = last_.containers.find(name);
      std::string reason = container == last_.containers.end()
                               ? std::string("the container no longer exists")
                               : status_summary(container->second);
      lines.push_back(fmt::format("container/{} did not move; {}", name, reason));
    }
  }
  return lines;
}

std::vector<std::string> DrainTracker::unplaced() const {
  std::vector<std::string> lines;
  for (const auto& name : seen_) {
    auto container = last_.containers.find(name);
    if (reported_.contains(name) || last_.assignments.contains(name) ||
        last_.placements.contains(name) || container == last_.containers.end()) {
      continue;
    }
    lines.push_back(fmt::format("container/{} left {} but is not placed yet; {}", name, node_,
                                status_summary(container->second)));
  }
  return lines;
}

int drain_command(const DrainOptions& options, Context& context, std::ostream& out,
                  std::ostream& err) {
  const std::string& node = options.node;
  if (auto registered = require_registered_node(context.store(), node); !registered) {
    return fail(err, registered.error().message);
  }
  auto requested = request_drain(context.store(), node);
  if (!requested) {
    return fail(err, requested.error().message);
  }
  out << *requested << "\n";
  if (options.no_wait) {
    out << fmt::format(
        "node/{} draining; \"raictl describe node {}\" shows the containers still on it\n", node,
        node);
    return 0;
  }
  out.flush();

  DrainTracker tracker(node);
  auto deadline = Clock::now() + std::chrono::seconds(options.timeout_seconds);
  while (true) {
    if (options.stop != nullptr && options.stop->load()) {
      return fail(err, fmt::format("stopped waiting; node/{} stays cordoned and the controller "
                                   "keeps moving its containers",
                                   node));
    }

    auto snapshot = read_snapshot(context.store(), node);
    if (!snapshot) {
      return fail(err, snapshot.error().message);
    }
    print_lines(tracker.update(*snapshot), out);
    if (tracker.drained()) {
      print_lines(tracker.unplaced(), out);
      out << "node/" << node << " drained\n";
      return 0;
    }

    // An uncordon or a node removal ends the drain request, so waiting longer cannot succeed.
    auto draining = still_draining(context.store(), node);
    if (!draining) {
      return fail(err, draining.error().message);
    }
    if (!*draining) {
      return fail(err, fmt::format("node/{} was uncordoned or removed while draining; the "
                                   "drain stopped",
                                   node));
    }

    if (Clock::now() >= deadline) {
      if (auto explained = explain_from_events(context.store(), *snapshot); !explained) {
        return fail(err, explained.error().message);
      }
      print_lines(tracker.update(*snapshot), out);
      auto blockers = tracker.blockers();
      print_lines(blockers, err);
      return fail(err, fmt::format("node/{} not drained after {}s: {} container{} left; it "
                                   "stays cordoned and the controller keeps trying (\"raictl "
                                   "uncordon {}\" ends the drain)",
                                   node, options.timeout_seconds, blockers.size(),
                                   blockers.size() == 1 ? "" : "s", node));
    }
    std::this_thread::sleep_for(options.poll_interval);
  }
}

}  // namespace raictl::cli
