#include "reconciler/reconciler.h"

#include <future>

#include "core/log.h"
#include "core/quantity.h"
#include "fmt/format.h"

namespace raictl::reconciler {

namespace {

constexpr const char* kManaged = "raictl.managed";
constexpr const char* kUidLabel = "raictl.uid";
constexpr const char* kAssignmentLabel = "raictl.assignment";

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

// The copy a container was created for. Containers created before assignment uids existed
// carry only the container uid, which was their copy id then.
std::string container_copy_id(const ContainerSummary& container) {
  std::string copy = label(container, kAssignmentLabel);
  return copy.empty() ? label(container, kUidLabel) : copy;
}

std::chrono::seconds stop_grace(const nlohmann::json& spec) {
  return std::chrono::seconds(spec.value("stopGracePeriodSeconds", 10));
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
  if (rewrite_statuses_.exchange(false)) {
    for (auto& [name, tracker] : trackers_) {
      tracker.status_stale = true;
    }
  }

  auto assigned = store_.assignments(options_.node);
  if (!assigned) {
    return assigned.error();
  }
  auto listed = runtime_.list_containers({{kManaged, "true"}});
  if (!listed) {
    return listed.error();
  }
  ContainerMap containers;
  for (const auto& container : *listed) {
    containers[container.name] = &container;
  }
  AssignmentMap assignments = parse_assignments(*assigned);

  // Fencing finishes before anything is created, started or wired, because a copy this host
  // lost must not run beside the copy that replaced it, nor keep the name a new copy needs.
  auto unowned = unowned_containers(*assigned, assignments, containers);
  std::vector<std::string> fenced_names;
  for (const auto& removal : unowned) {
    if (!removal.container_id.empty()) {
      fenced_names.push_back(removal.name);
    }
  }
  std::set<std::string> blocked = remove_all(std::move(unowned));
  for (const auto& name : fenced_names) {
    if (!blocked.contains(name)) {
      containers.erase(name);
    }
  }

  PassResult result;
  if (auto status = converge_live(assignments, containers, blocked, result); !status) {
    return status.error();
  }
  rewrite_stale_statuses(assignments);
  remove_all(deleting_removals(assignments, containers, blocked));
  std::erase_if(trackers_, [&](const auto& entry) { return !assigned->contains(entry.first); });
  return result;
}

Reconciler::AssignmentMap Reconciler::parse_assignments(
    const std::map<std::string, nlohmann::json>& assigned) {
  AssignmentMap out;
  for (const auto& [name, json] : assigned) {
    auto assignment = parse_assignment(name, json);
    if (!assignment) {
      logger()->error("ctr={} node={} malformed assignment ignored: {}", name, options_.node,
                      json.dump());
      continue;
    }
    out.emplace(name, std::move(*assignment));
  }
  return out;
}

std::vector<Reconciler::Removal> Reconciler::unowned_containers(
    const std::map<std::string, nlohmann::json>& assigned, const AssignmentMap& assignments,
    const ContainerMap& containers) {
  std::vector<Removal> removals;
  for (const auto& [name, container] : containers) {
    auto entry = assignments.find(name);
    if (entry == assignments.end()) {
      // A malformed entry still claims the name: its container is left alone until the
      // entry is readable again.
      if (assigned.contains(name)) {
        continue;
      }
      logger()->info("ctr={} node={} copy={} not assigned here, removing", name, options_.node,
                     container_copy_id(*container));
      removals.push_back(Removal{std::nullopt, name, container->id, std::chrono::seconds(0)});
      continue;
    }

    const Assignment& assignment = entry->second;
    if (container_copy_id(*container) != assignment.copy_id) {
      logger()->info("ctr={} node={} copy={} removing container {} of copy {}", name, options_.node,
                     assignment.copy_id, short_id(container->id), container_copy_id(*container));
      removals.push_back(Removal{std::nullopt, name, container->id, std::chrono::seconds(0)});
      continue;
    }
    if (assignment.evicted) {
      logger()->info("ctr={} node={} copy={} evicted, removing container {}", name, options_.node,
                     assignment.copy_id, short_id(container->id));
      removals.push_back(Removal{assignment, name, container->id, stop_grace(assignment.spec)});
    }
  }

  // An evicted copy that is not here any more only waits for the confirmation.
  for (const auto& [name, assignment] : assignments) {
    auto current = containers.find(name);
    bool present =
        current != containers.end() && container_copy_id(*current->second) == assignment.copy_id;
    if (assignment.evicted && !present) {
      removals.push_back(Removal{assignment, name, "", std::chrono::seconds(0)});
    }
  }
  return removals;
}

Status Reconciler::converge_live(const AssignmentMap& assignments, const ContainerMap& containers,
                                 const std::set<std::string>& blocked, PassResult& result) {
  std::set<std::string> peers;
  if (options_.overlay.enabled) {
    auto addresses = peer_addresses();
    if (!addresses) {
      return addresses.error();
    }
    peers = std::move(addresses).value();
  }

  std::set<std::string> wired_pools;
  for (const auto& [name, assignment] : assignments) {
    if (assignment.deleting || assignment.evicted) {
      continue;
    }
    // Another copy still has the name because its removal failed. The next pass retries.
    if (blocked.contains(name)) {
      ++result.pending;
      continue;
    }

    auto status = ensure_network(assignment);
    if (status && options_.overlay.enabled && !wired_pools.contains(assignment.pool)) {
      status = ensure_overlay(assignment.pool, peers);
      if (status) {
        wired_pools.insert(assignment.pool);
      }
    }
    if (!status) {
      auto& tracker = tracker_for(assignment);
      write_status(
          assignment, tracker,
          {{"phase", "Pending"}, {"reason", "NetworkFailed"}, {"message", status.error().message}});
      ++result.pending;
      continue;
    }

    auto current = containers.find(name);
    converge(assignment, current == containers.end() ? nullptr : current->second, result);
  }
  return Status::Ok();
}

std::vector<Reconciler::Removal> Reconciler::deleting_removals(
    const AssignmentMap& assignments, const ContainerMap& containers,
    const std::set<std::string>& blocked) {
  std::vector<Removal> removals;
  for (const auto& [name, assignment] : assignments) {
    if (!assignment.deleting || assignment.evicted || blocked.contains(name)) {
      continue;
    }
    // Fencing already removed a container of another copy, so one left here is this copy.
    auto current = containers.find(name);
    std::string container_id = current == containers.end() ? "" : current->second->id;
    removals.push_back(Removal{assignment, name, container_id, stop_grace(assignment.spec)});
  }
  return removals;
}

void Reconciler::rewrite_stale_statuses(const AssignmentMap& assignments) {
  // A status this pass wrote anew is fresh already. The others (an unchanged status, which
  // write_status skips, or none at all while a backoff runs) are put back as last written.
  for (auto& [name, tracker] : trackers_) {
    auto entry = assignments.find(name);
    if (!tracker.status_stale || tracker.last_status.empty() || entry == assignments.end()) {
      continue;
    }
    const Assignment& assignment = entry->second;
    if (assignment.deleting || assignment.evicted || tracker.copy_id != assignment.copy_id) {
      continue;
    }
    if (auto written = store_.put_status(name, nlohmann::json::parse(tracker.last_status));
        !written) {
      logger()->error("ctr={} node={} rewriting status failed: {}", name, options_.node,
                      written.error().message);
      continue;
    }
    tracker.status_stale = false;
  }
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
  if (!network && network.code() == ErrorCode::kConflict) {
    network = replace_network(spec, network.error());
  }
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

Result<NetworkInfo> Reconciler::replace_network(const NetworkSpec& spec, const Error& mismatch) {
  // A network of ours with other settings is left from an earlier life of this host, for
  // example one removed from the cluster and registered again with a new bridge address.
  // Fencing ran first, so no container of ours should still use it. If one does, Docker
  // rejects the removal and the mismatch is returned.
  auto existing = runtime_.inspect_network(spec.name);
  if (!existing || !existing->labels.contains(kManaged)) {
    return mismatch;
  }
  logger()->warn("node={} network {} has old settings, recreating it: {}", options_.node, spec.name,
                 mismatch.message);
  if (auto removed = runtime_.remove_network(spec.name); !removed) {
    logger()->error("node={} removing network {} failed: {}", options_.node, spec.name,
                    removed.error().message);
    return mismatch;
  }
  return runtime_.ensure_network(spec);
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

  if (current != nullptr && label_generation(*current) < assignment.generation) {
    event(assignment.name, "Normal", "Recreating",
          fmt::format("spec changed to generation {}", assignment.generation));
    if (auto stopped = runtime_.stop_container(current->id, stop_grace(assignment.spec));
        !stopped) {
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

std::set<std::string> Reconciler::remove_all(std::vector<Removal> removals) {
  // Stops run in parallel: each may wait its whole grace period, and one host removing
  // many containers must not take the sum of them. Only runtime calls run on the helper
  // threads; status, events and confirmations are written here, because Store is not
  // thread-safe.
  for (auto& removal : removals) {
    // An evicted copy's status is not this host's to write, because the status belongs to
    // the container's live copy, which is placed elsewhere.
    if (removal.assignment && !removal.assignment->evicted && !removal.container_id.empty()) {
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

  std::set<std::string> still_there;
  for (size_t i = 0; i < removals.size(); ++i) {
    const Removal& removal = removals[i];
    if (auto status = stopped[i].get(); !status) {
      logger()->error("ctr={} node={} remove failed, retrying on the next pass: {}", removal.name,
                      options_.node, status.error().message);
      still_there.insert(removal.name);
      continue;
    }
    if (removal.assignment) {
      confirm_removal(*removal.assignment, removal.container_id);
    }
  }
  return still_there;
}

void Reconciler::confirm_removal(const Assignment& assignment, const std::string& container_id) {
  if (!container_id.empty()) {
    event(assignment.name, "Normal", "Killing",
          fmt::format("stopped and removed {}container {}", assignment.evicted ? "evicted " : "",
                      short_id(container_id)));
  }
  if (auto status = store_.confirm_removal(options_.node, assignment.name, assignment.uid,
                                           assignment.copy_id);
      !status) {
    logger()->error("ctr={} node={} copy={} confirming removal failed: {}", assignment.name,
                    options_.node, assignment.copy_id, status.error().message);
    return;
  }
  logger()->info("ctr={} node={} uid={} copy={} {}removed", assignment.name, options_.node,
                 assignment.uid, assignment.copy_id, assignment.evicted ? "evicted copy " : "");
  trackers_.erase(assignment.name);
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
  out.labels[kUidLabel] = assignment.uid;
  out.labels[kAssignmentLabel] = assignment.copy_id;
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
  tracker.status_stale = false;
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
  if (!inserted && tracker.copy_id == assignment.copy_id) {
    return tracker;
  }

  tracker = Tracker{};
  tracker.copy_id = assignment.copy_id;
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
    assignment.evicted = json.value("evicted", false);
    auto copy = json.find("assignment");
    assignment.copy_id =
        copy != json.end() && copy->is_string() && !copy->get<std::string>().empty()
            ? copy->get<std::string>()
            : assignment.uid;
    return assignment;
  } catch (const nlohmann::json::exception& e) {
    logger()->error("ctr={} assignment JSON invalid: {}", name, e.what());
    return std::nullopt;
  }
}

}  // namespace raictl::reconciler
