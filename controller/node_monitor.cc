// Controller: judging hosts by their heartbeats and acting on lost and drained hosts.
#include "controller/controller.h"
#include "controller/controller_internal.h"
#include "fmt/format.h"

namespace raictl::controller {

namespace {

std::string seconds_text(int64_t ms) {
  return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
}

}  // namespace

Status Controller::monitor_nodes() {
  auto hosts = read_hosts();
  if (!hosts) {
    return hosts.error();
  }
  int64_t now = hosts->now_ms;
  auto views = judge_nodes(*hosts);
  const auto& cordons = hosts->cordons;

  // Any change of the hosts (one joined, came back, was uncordoned, changed its labels or
  // capacity) may let a Pending container fit.
  std::string signature = nlohmann::json(hosts->nodes).dump();
  for (const auto& [node, view] : views) {
    signature += node + (view.ready ? "+" : "-") + (cordons.contains(node) ? "c;" : ";");
  }
  if (signature != last_nodes_signature_) {
    retry_pending_ = true;
    last_nodes_signature_ = std::move(signature);
  }

  for (const auto& [node, view] : views) {
    auto published = published_ready_.find(node);
    if (published == published_ready_.end() || published->second != view.ready) {
      if (auto status = publish_condition(node, view, now); !status) {
        return status;
      }
    }
  }

  // Heartbeat ages come from Redis, but a leader that just took over has not watched the
  // hosts for a whole grace period itself: a Redis outage that just ended would otherwise
  // make every host look lost at once.
  bool watched_long_enough =
      std::chrono::steady_clock::now() - leading_since_ >= options_.node_grace;
  for (const auto& [node, view] : views) {
    if (!may_act()) {
      break;
    }
    Status status = Status::Ok();
    if (!view.ready && watched_long_enough) {
      std::string cause = view.heartbeat_age_ms < 0
                              ? std::string("it never sent a heartbeat")
                              : "no heartbeat for " + seconds_text(view.heartbeat_age_ms);
      status = evict_all(node, cause, true);
    } else if (auto cordon = cordons.find(node);
               cordon != cordons.end() && cordon->second.value("drain", false)) {
      status = evict_all(node, "the node is being drained", false);
    }
    if (!status) {
      logger()->error("node={} moving its containers failed: {}", node, status.error().message);
    }
  }
  return Status::Ok();
}

Result<Controller::HostsSnapshot> Controller::read_hosts() {
  HostsSnapshot hosts;
  auto nodes = store_.nodes();
  if (!nodes) {
    return nodes.error();
  }
  auto beats = store_.heartbeats();
  if (!beats) {
    return beats.error();
  }
  auto cordons = store_.cordons();
  if (!cordons) {
    return cordons.error();
  }
  auto now = store_.server_time_ms();
  if (!now) {
    return now.error();
  }

  hosts.nodes = std::move(nodes).value();
  hosts.heartbeats = std::move(beats).value();
  hosts.cordons = std::move(cordons).value();
  hosts.now_ms = *now;
  return hosts;
}

std::map<std::string, Controller::NodeView> Controller::judge_nodes(
    const HostsSnapshot& hosts) const {
  std::map<std::string, NodeView> views;
  for (const auto& [node, record] : hosts.nodes) {
    NodeView view;
    if (auto beat = hosts.heartbeats.find(node); beat != hosts.heartbeats.end()) {
      view.heartbeat_age_ms = std::max<int64_t>(0, hosts.now_ms - beat->second);
      view.ready = view.heartbeat_age_ms < options_.node_grace.count();
    }
    views[node] = view;
  }
  return views;
}

Status Controller::publish_condition(const std::string& node, const NodeView& view, int64_t now) {
  // Keep the time of the last change when a new leader finds the same verdict.
  auto existing = store_.node_conditions();
  if (!existing) {
    return existing.error();
  }
  int64_t since = now;
  if (auto it = existing->find(node);
      it != existing->end() && it->second.value("ready", !view.ready) == view.ready) {
    since = it->second.value("since", now);
  }

  std::string message =
      view.ready ? fmt::format("heartbeat {} ago", seconds_text(view.heartbeat_age_ms))
      : view.heartbeat_age_ms < 0
          ? std::string("no heartbeat yet")
          : fmt::format("no heartbeat for {} (grace {})", seconds_text(view.heartbeat_age_ms),
                        seconds_text(options_.node_grace.count()));
  nlohmann::json condition = {{"ready", view.ready},
                              {"since", since},
                              {"reason", view.ready ? "HeartbeatFresh" : "HeartbeatMissed"},
                              {"message", message}};
  if (auto written = store_.put_node_condition(node, condition); !written) {
    return written;
  }

  bool changed = published_ready_.contains(node) || since == now;
  published_ready_[node] = view.ready;
  if (!changed) {
    return Status::Ok();
  }
  if (view.ready) {
    logger()->info("node={} Ready: {}", node, message);
  } else {
    logger()->warn("node={} NotReady: {}", node, message);
  }
  return Status::Ok();
}

}  // namespace raictl::controller
