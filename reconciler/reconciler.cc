#include "reconciler/reconciler.h"

#include <future>

#include "core/log.h"
#include "core/quantity.h"
#include "fmt/format.h"

namespace raictl::reconciler {

namespace {

constexpr const char* kManaged = "raictl.managed";

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = component_logger("node");
  return instance;
}

std::string short_id(const std::string& id) {
  return id.substr(0, 12);
}

int64_t label_generation(const ContainerSummary& container) {
  auto it = container.labels.find("raictl.generation");
  return it == container.labels.end() ? 0 : std::strtoll(it->second.c_str(), nullptr, 10);
}

std::string label(const ContainerSummary& container, const std::string& key) {
  auto it = container.labels.find(key);
  return it == container.labels.end() ? std::string() : it->second;
}

std::string format_delay(std::chrono::milliseconds delay) {
  auto seconds = delay.count() / 1000;
  if (seconds >= 60) {
    return fmt::format("{}m{}s", seconds / 60, seconds % 60);
  }
  return delay.count() % 1000 == 0 ? fmt::format("{}s", seconds)
                                   : fmt::format("{}ms", delay.count());
}

}  // namespace

std::string network_name(const std::string& pool) {
  return "raictl-" + pool;
}

namespace {

// FNV-1a keeps derived interface names stable across restarts and distinct for distinct
// pools, where cutting the pool name to fit 15 bytes would not be.
uint32_t pool_hash(const std::string& pool) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : pool) {
    hash = (hash ^ c) * 16777619u;
  }
  return hash;
}

}  // namespace

std::string bridge_name(const std::string& pool) {
  return fmt::format("rai{:08x}", pool_hash(pool));
}

std::string vxlan_name(const std::string& pool) {
  return fmt::format("rvx{:08x}", pool_hash(pool));
}

Reconciler::Reconciler(ContainerRuntime& runtime, Store& store, ReconcilerOptions options,
                       Clock clock, HostNetwork* network)
    : runtime_(runtime),
      network_(network),
      store_(store),
      options_(std::move(options)),
      clock_(std::move(clock)) {
  if (network_ == nullptr) {
    options_.overlay.enabled = false;
  }
}

Result<PassResult> Reconciler::run_pass() {
  auto assigned = store_.assignments(options_.node);
  if (!assigned) {
    return assigned.error();
  }
  auto listed = runtime_.list_containers({{kManaged, "true"}});
  if (!listed) {
    return listed.error();
  }

  std::map<std::string, const ContainerSummary*> by_name;
  for (const auto& container : *listed) {
    by_name[container.name] = &container;
  }

  std::set<std::string> peers;
  if (options_.overlay.enabled) {
    auto addresses = peer_addresses();
    if (!addresses) {
      return addresses.error();
    }
    peers = std::move(addresses).value();
  }

  PassResult result;
  std::vector<Removal> removals;
  std::set<std::string> wired_pools;
  for (const auto& [name, json] : *assigned) {
    auto assignment = parse_assignment(name, json);
    if (!assignment) {
      logger()->error("ctr={} node={} malformed assignment ignored: {}", name, options_.node,
                      json.dump());
      continue;
    }
    auto current = by_name.find(name);
    const ContainerSummary* container = current == by_name.end() ? nullptr : current->second;

    if (assignment->deleting) {
      auto grace = std::chrono::seconds(assignment->spec.value("stopGracePeriodSeconds", 10));
      removals.push_back(Removal{*assignment, name, container ? container->id : "", grace});
      continue;
    }
    auto status = ensure_network(*assignment);
    if (status && options_.overlay.enabled && !wired_pools.contains(assignment->pool)) {
      status = ensure_overlay(assignment->pool, peers);
      if (status) {
        wired_pools.insert(assignment->pool);
      }
    }
    if (!status) {
      auto& tracker = tracker_for(*assignment);
      write_status(
          *assignment, tracker,
          {{"phase", "Pending"}, {"reason", "NetworkFailed"}, {"message", status.error().message}});
      ++result.pending;
      continue;
    }
    converge(*assignment, container, result);
  }

  // Containers of ours that nothing assigns any more: left over from a deleted object or
  // from before this host was declared dead.
  for (const auto& [name, container] : by_name) {
    if (assigned->contains(name)) {
      continue;
    }
    logger()->info("ctr={} node={} uid={} not assigned here, removing", name, options_.node,
                   label(*container, "raictl.uid"));
    removals.push_back(Removal{std::nullopt, name, container->id, std::chrono::seconds(0)});
    trackers_.erase(name);
  }
  remove_all(std::move(removals));
  std::erase_if(trackers_, [&](const auto& entry) { return !assigned->contains(entry.first); });
  return result;
}

Status Reconciler::ensure_network(const Assignment& assignment) {
  std::string name = network_name(assignment.pool);
  if (ensured_networks_.contains(name + "@" + assignment.gateway)) {
    return Status::Ok();
  }

  NetworkSpec spec;
  spec.name = name;
  spec.subnet = assignment.subnet;
  spec.gateway = assignment.gateway;
  // Docker's own allocator may only hand out the gateway, which is taken: so it can never
  // give a container an address behind raictl's back.
  spec.ip_range = assignment.gateway + "/32";
  spec.bridge_name = bridge_name(assignment.pool);
  spec.mtu = options_.overlay.enabled ? options_.overlay.mtu : 0;
  spec.labels = {{kManaged, "true"}, {"raictl.pool", assignment.pool}};

  auto network = runtime_.ensure_network(spec);
  if (!network) {
    logger()->error("node={} pool={} network {} failed: {}", options_.node, assignment.pool, name,
                    network.error().message);
    return network.error();
  }
  ensured_networks_.insert(name + "@" + assignment.gateway);
  logger()->info("node={} pool={} network {} ready (subnet {}, gateway {})", options_.node,
                 assignment.pool, name, spec.subnet, spec.gateway);
  return Status::Ok();
}

Status Reconciler::ensure_overlay(const std::string& pool, const std::set<std::string>& peers) {
  const auto& overlay = options_.overlay;
  VxlanSpec spec;
  spec.name = vxlan_name(pool);
  // NOTE: every pool's device gets the same VNI and port, and Linux accepts only one VXLAN
  // device per VNI and port in a namespace. So only the first pool a host wires gets an
  // overlay, and a second pool on the same host fails with NetworkFailed.
  spec.vni = overlay.vni;
  spec.port = overlay.port;
  spec.local_address = overlay.local_address;
  spec.underlay_device = overlay.underlay_device;
  spec.mtu = overlay.mtu;
  spec.bridge = bridge_name(pool);

  if (auto status = network_->ensure_vxlan(spec); !status) {
    logger()->error("node={} pool={} vxlan {} failed: {}", options_.node, pool, spec.name,
                    status.error().message);
    return status;
  }
  if (auto status = network_->sync_peers(spec.name, peers); !status) {
    logger()->error("node={} pool={} syncing {} peers of {} failed: {}", options_.node, pool,
                    peers.size(), spec.name, status.error().message);
    return status;
  }
  return Status::Ok();
}

Result<std::set<std::string>> Reconciler::peer_addresses() {
  auto nodes = store_.nodes();
  if (!nodes) {
    return nodes.error();
  }
  std::set<std::string> peers;
  for (const auto& [name, record] : *nodes) {
    std::string address = record.value("address", "");
    // Only hosts that joined with an underlay address take part; the own entry never does.
    if (name != options_.node && is_ipv4_address(address) &&
        address != options_.overlay.local_address) {
      peers.insert(address);
    }
  }
  return peers;
}

void Reconciler::converge(const Assignment& assignment, const ContainerSummary* current,
                          PassResult& result) {
  auto& tracker = tracker_for(assignment);

  if (current != nullptr && label(*current, "raictl.uid") != assignment.uid) {
    logger()->info("ctr={} node={} uid={} removing leftover container {} of uid {}",
                   assignment.name, options_.node, assignment.uid, short_id(current->id),
                   label(*current, "raictl.uid"));
    if (auto status = runtime_.remove_container(current->id); !status) {
      logger()->error("ctr={} node={} removing leftover failed: {}", assignment.name, options_.node,
                      status.error().message);
      ++result.pending;
      return;
    }
    current = nullptr;
  }

  if (current != nullptr && label_generation(*current) < assignment.generation) {
    event(assignment.name, "Normal", "Recreating",
          fmt::format("spec changed to generation {}", assignment.generation));
    auto grace = std::chrono::seconds(assignment.spec.value("stopGracePeriodSeconds", 10));
    if (auto stopped = runtime_.stop_container(current->id, grace); !stopped) {
      logger()->warn("ctr={} node={} stop before recreate failed: {}", assignment.name,
                     options_.node, stopped.error().message);
    }
    if (auto removed = runtime_.remove_container(current->id); !removed) {
      logger()->error("ctr={} node={} remove before recreate failed: {}", assignment.name,
                      options_.node, removed.error().message);
      ++result.pending;
      return;
    }
    tracker.retry_at.reset();
    current = nullptr;
  }

  if (current == nullptr) {
    auto now = clock_();
    if (tracker.retry_at && now < *tracker.retry_at) {
      result.wake_at =
          result.wake_at ? std::min(*result.wake_at, *tracker.retry_at) : *tracker.retry_at;
      ++result.pending;
      return;
    }
    if (auto status = create_and_start(assignment, tracker, result); !status) {
      ++result.pending;
    }
    return;
  }

  if (current->state == ContainerState::kRunning) {
    tracker.retry_at.reset();
    write_status(
        assignment, tracker,
        {{"phase", "Running"}, {"containerId", current->id}, {"reason", ""}, {"message", ""}});
    ++result.converged;
    return;
  }

  auto info = runtime_.inspect_container(current->id);
  if (!info) {
    logger()->error("ctr={} node={} inspect failed: {}", assignment.name, options_.node,
                    info.error().message);
    ++result.pending;
    return;
  }
  handle_exited(assignment, *info, result);
}

void Reconciler::handle_exited(const Assignment& assignment, const ContainerInfo& info,
                               PassResult& result) {
  auto& tracker = tracker_for(assignment);
  std::string policy = assignment.spec.value("restartPolicy", std::string("Always"));
  bool restart = policy == "Always" || (policy == "OnFailure" && info.exit_code != 0);
  std::string exit_text =
      fmt::format("exited with code {}{}", info.exit_code, info.oom_killed ? " (OOMKilled)" : "");

  if (!restart) {
    write_status(assignment, tracker,
                 {{"phase", info.exit_code == 0 ? "Completed" : "Failed"},
                  {"containerId", info.id},
                  {"reason", info.oom_killed ? "OOMKilled" : "Exited"},
                  {"message", exit_text}});
    ++result.converged;
    return;
  }

  auto now = clock_();
  if (!tracker.retry_at) {
    auto delay = backoff_delay(options_.backoff, tracker.restarts);
    if (info.started_at && info.finished_at &&
        *info.finished_at - *info.started_at > options_.backoff.reset_after) {
      delay = options_.backoff.initial;
    }
    tracker.retry_at = now + delay;
    write_status(assignment, tracker,
                 {{"phase", "CrashLoopBackOff"},
                  {"containerId", info.id},
                  {"reason", "BackOff"},
                  {"message", fmt::format("{}; restarting in {}", exit_text, format_delay(delay))},
                  {"nextRetryAt", rfc3339(now_ms() + delay.count())}});
    event(assignment.name, "Warning", "BackOff",
          fmt::format("{}; restarting with back-off", exit_text));
  }

  if (now < *tracker.retry_at) {
    result.wake_at =
        result.wake_at ? std::min(*result.wake_at, *tracker.retry_at) : *tracker.retry_at;
    ++result.pending;
    return;
  }

  if (auto started = runtime_.start_container(info.id); !started) {
    logger()->error("ctr={} node={} restart failed: {}", assignment.name, options_.node,
                    started.error().message);
    tracker.retry_at = now + backoff_delay(options_.backoff, ++tracker.restarts);
    ++result.pending;
    return;
  }
  ++tracker.restarts;
  tracker.retry_at.reset();
  logger()->info("ctr={} node={} uid={} restarted (restart {})", assignment.name, options_.node,
                 assignment.uid, tracker.restarts);
  event(assignment.name, "Normal", "Started",
        fmt::format("restarted container {} (restart {})", short_id(info.id), tracker.restarts));
  write_status(assignment, tracker,
               {{"phase", "Running"},
                {"containerId", info.id},
                {"reason", ""},
                {"message", ""},
                {"startedAt", rfc3339(now_ms())}});
  ++result.converged;
}

Status Reconciler::create_and_start(const Assignment& assignment, Tracker& tracker,
                                    PassResult& result) {
  std::string image = assignment.spec.value("image", std::string());
  auto now = clock_();
  auto retry_later = [&](const std::string& reason, const std::string& message) {
    auto delay = backoff_delay(options_.backoff, tracker.restarts);
    tracker.retry_at = now + delay;
    result.wake_at =
        result.wake_at ? std::min(*result.wake_at, *tracker.retry_at) : *tracker.retry_at;
    write_status(assignment, tracker,
                 {{"phase", "Pending"},
                  {"reason", reason},
                  {"message", message},
                  {"nextRetryAt", rfc3339(now_ms() + delay.count())}});
    event(assignment.name, "Warning", reason, message);
    return make_error(ErrorCode::kUnavailable, message);
  };

  auto exists = runtime_.image_exists(image);
  if (!exists) {
    return retry_later("EngineUnavailable", exists.error().message);
  }
  if (!*exists) {
    return retry_later("ImageNotFound",
                       fmt::format("image \"{}\" is not present on node {}; no registry is "
                                   "pulled from: import it into this host's Docker or fix "
                                   "spec.image",
                                   image, options_.node));
  }

  write_status(assignment, tracker, {{"phase", "Creating"}, {"reason", ""}, {"message", ""}});
  auto id = runtime_.create_container(to_container_config(assignment));
  if (!id) {
    std::string reason = id.code() == ErrorCode::kConflict ? "NameConflict" : "CreateFailed";
    std::string message = id.error().message;
    if (id.code() == ErrorCode::kConflict) {
      message = fmt::format(
          "container name \"{}\" is taken on node {} by a container raictl "
          "does not manage; remove it (docker rm -f {}) or rename this one",
          assignment.name, options_.node, assignment.name);
    }
    return retry_later(reason, message);
  }
  if (auto started = runtime_.start_container(*id); !started) {
    // The created container carries our labels: the next pass finds it exited and
    // restarts it under the restart policy.
    return retry_later("StartFailed", started.error().message);
  }

  tracker.retry_at.reset();
  logger()->info("ctr={} node={} uid={} started {} with {}", assignment.name, options_.node,
                 assignment.uid, short_id(*id), assignment.ip);
  event(assignment.name, "Normal", "Started",
        fmt::format("started container {} with address {}", short_id(*id), assignment.ip));
  write_status(assignment, tracker,
               {{"phase", "Running"},
                {"containerId", *id},
                {"reason", ""},
                {"message", ""},
                {"startedAt", rfc3339(now_ms())}});
  ++result.converged;
  return Status::Ok();
}

void Reconciler::remove_all(std::vector<Removal> removals) {
  // Stops run in parallel: each may wait its whole grace period, and one host removing
  // many containers must not take the sum of them. Only runtime calls run on the helper
  // threads; status, events and confirmations are written here, because Store is not
  // thread-safe.
  for (auto& removal : removals) {
    if (removal.assignment && !removal.container_id.empty()) {
      write_status(*removal.assignment, tracker_for(*removal.assignment),
                   {{"phase", "Terminating"},
                    {"containerId", removal.container_id},
                    {"reason", ""},
                    {"message", ""}});
    }
  }

  std::vector<std::future<Status>> stopped;
  for (const auto& removal : removals) {
    stopped.push_back(std::async(std::launch::async, [this, &removal]() -> Status {
      if (removal.container_id.empty()) {
        return Status::Ok();
      }
      if (auto status = runtime_.stop_container(removal.container_id, removal.grace); !status) {
        logger()->warn("ctr={} node={} stop failed, removing anyway: {}", removal.name,
                       options_.node, status.error().message);
      }
      return runtime_.remove_container(removal.container_id);
    }));
  }

  for (size_t i = 0; i < removals.size(); ++i) {
    const Removal& removal = removals[i];
    if (auto status = stopped[i].get(); !status) {
      logger()->error("ctr={} node={} remove failed, retrying on the next pass: {}", removal.name,
                      options_.node, status.error().message);
      continue;
    }
    if (!removal.assignment) {
      continue;
    }

    const Assignment& assignment = *removal.assignment;
    if (!removal.container_id.empty()) {
      event(assignment.name, "Normal", "Killing",
            fmt::format("stopped and removed container {}", short_id(removal.container_id)));
    }
    if (auto status = store_.confirm_removal(options_.node, assignment.name, assignment.uid);
        !status) {
      logger()->error("ctr={} node={} confirming removal failed: {}", assignment.name,
                      options_.node, status.error().message);
      continue;
    }
    logger()->info("ctr={} node={} uid={} removed", assignment.name, options_.node, assignment.uid);
    trackers_.erase(assignment.name);
  }
}

ContainerConfig Reconciler::to_container_config(const Assignment& assignment) const {
  const auto& spec = assignment.spec;
  ContainerConfig out;
  out.name = assignment.name;
  out.image = spec.value("image", std::string());

  // Kubernetes semantics: command replaces the image's entrypoint, args its CMD.
  auto command = spec.value("command", std::vector<std::string>());
  auto args = spec.value("args", std::vector<std::string>());
  if (!command.empty()) {
    out.entrypoint = command;
    out.command = args;
  } else {
    out.command = args;
  }

  out.env = spec.value("env", std::map<std::string, std::string>());
  out.labels = assignment.labels;
  out.labels[kManaged] = "true";
  out.labels["raictl.name"] = assignment.name;
  out.labels["raictl.uid"] = assignment.uid;
  out.labels["raictl.generation"] = std::to_string(assignment.generation);
  out.labels["raictl.node"] = options_.node;
  out.working_dir = spec.value("workingDir", std::string());
  out.hostname = spec.value("hostname", assignment.name);

  const auto resources = spec.value("resources", nlohmann::json::object());
  if (auto cpu = parse_cpu(resources.value("cpu", std::string())); cpu) {
    out.nano_cpus = *cpu * 1'000'000;
  }
  if (auto memory = parse_memory(resources.value("memory", std::string())); memory) {
    out.memory_bytes = *memory;
  }
  out.stop_timeout = std::chrono::seconds(spec.value("stopGracePeriodSeconds", 10));
  out.network = NetworkAttachment{network_name(assignment.pool), assignment.ip};
  return out;
}

void Reconciler::write_status(const Assignment& assignment, Tracker& tracker,
                              nlohmann::json status) {
  status["node"] = options_.node;
  status["ip"] = assignment.ip;
  status["uid"] = assignment.uid;
  status["restarts"] = tracker.restarts;
  status["observedGeneration"] = assignment.generation;
  if (status.contains("startedAt")) {
    tracker.started_at = status["startedAt"];
  } else if (!tracker.started_at.empty() && status.value("phase", "") != "Terminating") {
    status["startedAt"] = tracker.started_at;
  }

  std::string canonical = status.dump();
  if (canonical == tracker.last_status) {
    return;
  }
  if (auto written = store_.put_status(assignment.name, status); !written) {
    logger()->error("ctr={} node={} writing status failed: {}", assignment.name, options_.node,
                    written.error().message);
    return;
  }
  tracker.last_status = std::move(canonical);
}

void Reconciler::event(const std::string& name, const std::string& type, const std::string& reason,
                       const std::string& message) {
  EventRecord record{type, reason, message, "raictl-node/" + options_.node};
  if (auto status = store_.add_event("Container", name, record); !status) {
    logger()->warn("ctr={} node={} event {} not recorded: {}", name, options_.node, reason,
                   status.error().message);
  }
}

Reconciler::Tracker& Reconciler::tracker_for(const Assignment& assignment) {
  auto [it, inserted] = trackers_.try_emplace(assignment.name);
  Tracker& tracker = it->second;
  if (!inserted && tracker.uid == assignment.uid) {
    return tracker;
  }

  tracker = Tracker{};
  tracker.uid = assignment.uid;
  // After a restart of this process, continue the restart count where it was.
  if (auto stored = store_.get_status(assignment.name); stored && stored->has_value()) {
    const auto& status = **stored;
    if (status.value("uid", "") == assignment.uid) {
      tracker.restarts = status.value("restarts", 0);
      tracker.started_at = status.value("startedAt", "");
    }
  }
  return tracker;
}

std::optional<Reconciler::Assignment> Reconciler::parse_assignment(const std::string& name,
                                                                   const nlohmann::json& json) {
  try {
    Assignment assignment;
    assignment.name = name;
    assignment.uid = json.at("uid").get<std::string>();
    assignment.generation = json.at("generation").get<int64_t>();
    assignment.spec = json.at("spec");
    assignment.labels = json.value("labels", std::map<std::string, std::string>());
    assignment.ip = json.at("ip").get<std::string>();
    assignment.pool = json.at("pool").get<std::string>();
    assignment.subnet = json.at("subnet").get<std::string>();
    assignment.gateway = json.at("gateway").get<std::string>();
    assignment.deleting = json.value("deleting", false);
    return assignment;
  } catch (const nlohmann::json::exception& e) {
    logger()->error("ctr={} assignment JSON invalid: {}", name, e.what());
    return std::nullopt;
  }
}

}  // namespace raictl::reconciler
