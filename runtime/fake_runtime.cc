#include "runtime/fake_runtime.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <functional>
#include <istream>
#include <thread>

namespace raictl {

namespace {

constexpr int64_t kMinMemoryBytes = 6 * 1024 * 1024;  // dockerd's minimum
constexpr const char* kDefaultImage = "raictl/busybox:latest";

std::string normalized_image(const std::string& image) {
  return parse_image_reference(image).to_string();
}

bool valid_container_name(const std::string& name) {
  auto allowed = [](char c, bool first) {
    bool alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return alphanumeric || (!first && (c == '_' || c == '.' || c == '-'));
  };
  if (name.size() < 2) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!allowed(name[i], i == 0)) {
      return false;
    }
  }
  return true;
}

bool labels_match(const Labels& required, const Labels& labels) {
  for (const auto& [key, value] : required) {
    auto found = labels.find(key);
    if (found == labels.end() || found->second != value) {
      return false;
    }
  }
  return true;
}

std::optional<uint32_t> parse_ipv4(const std::string& text) {
  in_addr address{};
  if (inet_pton(AF_INET, text.c_str(), &address) != 1) {
    return std::nullopt;
  }
  return ntohl(address.s_addr);
}

std::string format_ipv4(uint32_t value) {
  in_addr address{};
  address.s_addr = htonl(value);
  char text[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &address, text, sizeof(text));
  return text;
}

struct Subnet {
  uint32_t base = 0;
  uint32_t mask = 0;

  bool contains(uint32_t address) const { return (address & mask) == base; }
  uint32_t broadcast() const { return base | ~mask; }
};

std::optional<Subnet> parse_subnet(const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) {
    return std::nullopt;
  }
  auto address = parse_ipv4(cidr.substr(0, slash));
  int prefix = -1;
  auto [end, error] = std::from_chars(cidr.data() + slash + 1, cidr.data() + cidr.size(), prefix);
  if (!address || error != std::errc() || end != cidr.data() + cidr.size() || prefix < 0 ||
      prefix > 32) {
    return std::nullopt;
  }
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return Subnet{*address & mask, mask};
}

// Signal name or number -> number; nullopt when unknown, as dockerd rejects it.
std::optional<int> parse_signal(std::string text) {
  if (text.starts_with("SIG")) {
    text.erase(0, 3);
  }
  static const std::pair<const char*, int> kSignals[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
      {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TERM", SIGTERM},
  };
  for (const auto& [name, number] : kSignals) {
    if (text == name) {
      return number;
    }
  }
  int number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || number <= 0 || number > 64) {
    return std::nullopt;
  }
  return number;
}

std::string fake_id(uint64_t sequence) {
  char text[65];
  std::snprintf(text, sizeof(text), "%064llx", static_cast<unsigned long long>(sequence));
  return text;
}

std::string operation_prefix(const std::string& verb, const std::string& object) {
  return verb + " " + object + ": ";
}

// dockerd's reply for a name or id that matches no container, after `prefix`.
Error no_such_container(const std::string& prefix, const std::string& container) {
  return make_error(ErrorCode::kNotFound, prefix + "No such container: " + container);
}

}  // namespace

// Queue and handlers of one watch, shared by the runtime (which pushes) and the watch's
// delivery thread (which pops).
struct FakeRuntime::WatchState {
  EventFilter filter;
  EventHandlers handlers;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::function<void()>> queue;
  bool delivering = false;
  bool cancelled = false;

  void push(std::function<void()> delivery) {
    {
      std::lock_guard lock(mutex);
      if (cancelled) {
        return;
      }
      queue.push_back(std::move(delivery));
    }
    changed.notify_all();
  }

  void wait_until_idle() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [this] { return cancelled || (queue.empty() && !delivering); });
  }
};

class FakeRuntime::Watch : public EventWatch {
 public:
  explicit Watch(std::shared_ptr<WatchState> state)
      : state_(std::move(state)), thread_([this] { deliver(); }) {}
  ~Watch() override { cancel(); }

  void cancel() override {
    {
      std::lock_guard lock(state_->mutex);
      state_->cancelled = true;
      state_->queue.clear();
    }
    state_->changed.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  void deliver() {
    std::unique_lock lock(state_->mutex);
    while (true) {
      state_->changed.wait(lock, [this] { return state_->cancelled || !state_->queue.empty(); });
      if (state_->cancelled) {
        return;
      }
      auto delivery = std::move(state_->queue.front());
      state_->queue.pop_front();
      state_->delivering = true;
      lock.unlock();
      delivery();
      lock.lock();
      state_->delivering = false;
      state_->changed.notify_all();
    }
  }

  std::shared_ptr<WatchState> state_;
  std::thread thread_;
};

FakeRuntime::FakeRuntime() {
  images_.insert(kDefaultImage);
  engine_.cpus = 4;
  engine_.memory_bytes = int64_t{8} * 1024 * 1024 * 1024;
  engine_.server_version = "fake";
  engine_.api_version = "1.41";
  engine_.operating_system = "fake";
  engine_.hostname = "fake-engine";
}

FakeRuntime::~FakeRuntime() = default;

void FakeRuntime::fail_once(Operation operation, Error error) {
  std::lock_guard lock(mutex_);
  faults_[operation].once.push_back(std::move(error));
}

void FakeRuntime::fail_always(Operation operation, Error error) {
  std::lock_guard lock(mutex_);
  faults_[operation].always = std::move(error);
}

void FakeRuntime::delay(Operation operation, std::chrono::milliseconds duration) {
  std::lock_guard lock(mutex_);
  faults_[operation].delay = duration;
}

void FakeRuntime::clear_faults() {
  std::lock_guard lock(mutex_);
  for (auto& [operation, faults] : faults_) {
    faults.once.clear();
    faults.always.reset();
    faults.delay = std::chrono::milliseconds(0);
  }
}

int FakeRuntime::call_count(Operation operation) const {
  std::lock_guard lock(mutex_);
  auto found = faults_.find(operation);
  return found == faults_.end() ? 0 : found->second.calls;
}

Status FakeRuntime::enter(Operation operation) {
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(mutex_);
    Faults& faults = faults_[operation];
    ++faults.calls;
    delay = faults.delay;
  }
  if (delay.count() > 0) {
    std::this_thread::sleep_for(delay);
  }

  std::lock_guard lock(mutex_);
  Faults& faults = faults_[operation];
  if (!faults.once.empty()) {
    Error error = std::move(faults.once.front());
    faults.once.pop_front();
    return error;
  }
  if (faults.always) {
    return *faults.always;
  }
  return Status::Ok();
}

void FakeRuntime::add_image(const std::string& image) {
  std::lock_guard lock(mutex_);
  images_.insert(normalized_image(image));
}

void FakeRuntime::set_engine_info(EngineInfo info) {
  std::lock_guard lock(mutex_);
  engine_ = std::move(info);
}

FakeRuntime::Container* FakeRuntime::find_container(const std::string& container) {
  auto by_id = containers_.find(container);
  if (by_id != containers_.end()) {
    return &by_id->second;
  }
  Container* prefix_match = nullptr;
  int prefix_matches = 0;
  for (auto& [id, candidate] : containers_) {
    if (candidate.info.name == container) {
      return &candidate;
    }
    if (!container.empty() && id.starts_with(container)) {
      prefix_match = &candidate;
      ++prefix_matches;
    }
  }
  return prefix_matches == 1 ? prefix_match : nullptr;
}

NetworkInfo* FakeRuntime::find_network(const std::string& name) {
  auto found = networks_.find(name);
  if (found != networks_.end()) {
    return &found->second;
  }
  for (auto& [network_name, network] : networks_) {
    if (network.id == name) {
      return &network;
    }
  }
  return nullptr;
}

Status FakeRuntime::assign_address(Container& container) {
  NetworkInfo* network = find_network(container.network);
  if (network == nullptr) {
    return make_error(ErrorCode::kNotFound, "network " + container.network + " not found");
  }
  auto subnet = parse_subnet(network->subnet);
  if (!subnet) {
    return make_error(ErrorCode::kInternal, "network " + network->name + " has no valid subnet");
  }

  std::set<uint32_t> used;
  for (const NetworkMember& member : network->members) {
    if (auto address = parse_ipv4(member.ipv4_address)) {
      used.insert(*address);
    }
  }
  if (auto gateway = parse_ipv4(network->gateway)) {
    used.insert(*gateway);
  }

  uint32_t chosen = 0;
  if (!container.requested_ipv4.empty()) {
    auto requested = parse_ipv4(container.requested_ipv4);
    if (!requested || !subnet->contains(*requested)) {
      return make_error(ErrorCode::kInternal, "Invalid address " + container.requested_ipv4 +
                                                  ": It does not belong to any of this "
                                                  "network's subnets");
    }
    if (used.count(*requested) != 0) {
      return make_error(ErrorCode::kConflict, "Address already in use");
    }
    chosen = *requested;
  } else {
    for (uint32_t candidate = subnet->base + 1; candidate < subnet->broadcast(); ++candidate) {
      if (used.count(candidate) == 0) {
        chosen = candidate;
        break;
      }
    }
    if (chosen == 0) {
      return make_error(ErrorCode::kInternal,
                        "no available IPv4 addresses on network " + network->name);
    }
  }

  EndpointInfo& endpoint = container.info.networks[network->name];
  endpoint.network_id = network->id;
  endpoint.ipv4_address = format_ipv4(chosen);
  endpoint.prefix_length = __builtin_popcount(subnet->mask);
  endpoint.gateway = network->gateway;
  network->members.push_back(
      NetworkMember{container.info.id, container.info.name, endpoint.ipv4_address});
  return Status::Ok();
}

void FakeRuntime::release_address(Container& container) {
  NetworkInfo* network = find_network(container.network);
  if (network != nullptr) {
    std::erase_if(network->members, [&](const NetworkMember& member) {
      return member.container_id == container.info.id;
    });
  }
  auto endpoint = container.info.networks.find(container.network);
  if (endpoint != container.info.networks.end()) {
    // dockerd keeps the attachment of a stopped container but drops its address.
    endpoint->second.ipv4_address.clear();
    endpoint->second.prefix_length = 0;
  }
}

void FakeRuntime::stop_locked(Container& container, int exit_code) {
  container.info.state = ContainerState::kExited;
  container.info.exit_code = exit_code;
  container.info.finished_at = std::chrono::system_clock::now();
  release_address(container);
  emit(EventAction::kDie, container);
}

void FakeRuntime::emit(EventAction action, const Container& container) {
  ContainerEvent event;
  event.action = action;
  event.container_id = container.info.id;
  event.name = container.info.name;
  event.image = container.info.image;
  event.labels = container.info.labels;
  if (action == EventAction::kDie) {
    event.exit_code = container.info.exit_code;
  }
  event.time = std::chrono::system_clock::now();

  std::erase_if(watches_, [](const std::weak_ptr<WatchState>& watch) { return watch.expired(); });
  for (const auto& weak : watches_) {
    auto watch = weak.lock();
    if (!watch || !labels_match(watch->filter.labels, event.labels)) {
      continue;
    }
    // The raw pointer stays valid: only the watch's own thread runs the delivery.
    WatchState* target = watch.get();
    target->push([target, event] { target->handlers.on_event(event); });
  }
}

Status FakeRuntime::exit_container(const std::string& container, int exit_code, bool oom_killed) {
  std::lock_guard lock(mutex_);
  Container* found = find_container(container);
  if (found == nullptr) {
    return no_such_container("", container);
  }
  if (!found->info.running()) {
    return make_error(ErrorCode::kConflict, "Container " + found->info.id + " is not running");
  }
  if (oom_killed) {
    found->info.oom_killed = true;
    emit(EventAction::kOom, *found);
  }
  stop_locked(*found, exit_code);
  return Status::Ok();
}

Status FakeRuntime::write_logs(const std::string& container, std::string_view stdout_text,
                               std::string_view stderr_text) {
  std::lock_guard lock(mutex_);
  Container* found = find_container(container);
  if (found == nullptr) {
    return no_such_container("", container);
  }
  auto append_lines = [found](std::string_view text, bool is_stderr) {
    while (!text.empty()) {
      size_t end = text.find('\n');
      size_t length = end == std::string_view::npos ? text.size() : end + 1;
      found->log_lines.emplace_back(is_stderr, std::string(text.substr(0, length)));
      text.remove_prefix(length);
    }
  };
  append_lines(stdout_text, false);
  append_lines(stderr_text, true);
  return Status::Ok();
}

void FakeRuntime::interrupt_event_streams(const Error& error) {
  std::lock_guard lock(mutex_);
  for (const auto& weak : watches_) {
    auto watch = weak.lock();
    if (!watch || !watch->handlers.on_connection) {
      continue;
    }
    WatchState* target = watch.get();
    target->push([target, error] { target->handlers.on_connection(error); });
    target->push([target] { target->handlers.on_connection(Status::Ok()); });
  }
}

void FakeRuntime::flush_events() {
  std::vector<std::shared_ptr<WatchState>> live;
  {
    std::lock_guard lock(mutex_);
    for (const auto& weak : watches_) {
      if (auto watch = weak.lock()) {
        live.push_back(std::move(watch));
      }
    }
  }
  for (const auto& watch : live) {
    watch->wait_until_idle();
  }
}

Result<NetworkInfo> FakeRuntime::ensure_network(const NetworkSpec& spec) {
  if (Status status = enter(Operation::kEnsureNetwork); !status.ok()) {
    return status.error();
  }
  std::lock_guard lock(mutex_);
  std::string prefix = operation_prefix("create network", spec.name);

  if (NetworkInfo* existing = find_network(spec.name)) {
    std::vector<std::string> mismatches = network_mismatches(spec, *existing);
    if (!mismatches.empty()) {
      return make_error(ErrorCode::kConflict,
                        "network " + spec.name +
                            " already exists with different settings: " + mismatches.front());
    }
    return *existing;
  }

  NetworkInfo network;
  network.id = fake_id(next_id_++);
  network.name = spec.name;
  network.driver = "bridge";
  network.subnet = spec.subnet;
  if (network.subnet.empty()) {
    // dockerd picks a free private /16; the fake hands out 172.30.N.0/24.
    network.subnet = "172.30." + std::to_string(networks_.size() % 256) + ".0/24";
  }
  auto subnet = parse_subnet(network.subnet);
  if (!subnet) {
    return make_error(ErrorCode::kInvalidArgument, prefix + "invalid subnet " + network.subnet);
  }
  network.gateway = spec.gateway.empty() ? format_ipv4(subnet->base + 1) : spec.gateway;
  auto gateway = parse_ipv4(network.gateway);
  if (!gateway || !subnet->contains(*gateway)) {
    return make_error(ErrorCode::kInvalidArgument,
                      prefix + "gateway " + network.gateway + " is not inside " + network.subnet);
  }
  network.ip_range = spec.ip_range;
  network.bridge_name = spec.bridge_name;
  network.mtu = spec.mtu;
  network.labels = spec.labels;
  networks_[spec.name] = network;
  return network;
}

Result<NetworkInfo> FakeRuntime::inspect_network(const std::string& name) {
  if (Status status = enter(Operation::kInspectNetwork); !status.ok()) {
    return status.error();
  }
  std::lock_guard lock(mutex_);
  NetworkInfo* network = find_network(name);
  if (network == nullptr) {
    return make_error(ErrorCode::kNotFound,
                      operation_prefix("inspect network", name) + "network " + name + " not found");
  }
  return *network;
}

Result<std::vector<NetworkInfo>> FakeRuntime::list_networks(const Labels& labels) {
  if (Status status = enter(Operation::kListNetworks); !status.ok()) {
    return status.error();
  }
  std::lock_guard lock(mutex_);
  std::vector<NetworkInfo> result;
  for (const auto& [name, network] : networks_) {
    if (labels_match(labels, network.labels)) {
      result.push_back(network);
      result.back().members.clear();  // as in dockerd's listing
    }
  }
  return result;
}

Status FakeRuntime::remove_network(const std::string& name) {
  if (Status status = enter(Operation::kRemoveNetwork); !status.ok()) {
    return status;
  }
  std::lock_guard lock(mutex_);
  std::string prefix = operation_prefix("remove network", name);
  NetworkInfo* network = find_network(name);
  if (network == nullptr) {
    return make_error(ErrorCode::kNotFound, prefix + "network " + name + " not found");
  }
  if (!network->members.empty()) {
    return make_error(ErrorCode::kConflict, prefix + "error while removing network: network " +
                                                name + " id " + network->id +
                                                " has active endpoints");
  }
  networks_.erase(network->name);
  return Status::Ok();
}

Result<std::string> FakeRuntime::create_container(const ContainerConfig& spec) {
  if (Status status = enter(Operation::kCreateContainer); !status.ok()) {
    return status.error();
  }
  std::lock_guard lock(mutex_);
  std::string prefix = operation_prefix("create container", spec.name);

  std::string name = spec.name.empty() ? "fake_" + std::to_string(next_id_) : spec.name;
  if (!valid_container_name(name)) {
    return make_error(ErrorCode::kInvalidArgument,
                      prefix + "Invalid container name (" + name +
                          "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
  if (images_.count(normalized_image(spec.image)) == 0) {
    return make_error(ErrorCode::kNotFound,
                      prefix + "No such image: " + normalized_image(spec.image));
  }
  if (spec.memory_bytes > 0 && spec.memory_bytes < kMinMemoryBytes) {
    return make_error(ErrorCode::kInvalidArgument, prefix + "Minimum memory limit allowed is 6MB");
  }
  if (Container* existing = find_container(name);
      existing != nullptr && existing->info.name == name) {
    return make_error(ErrorCode::kConflict,
                      prefix + "Conflict. The container name \"/" + name +
                          "\" is already in use by container \"" + existing->info.id +
                          "\". You have to remove (or rename) that container to be able to "
                          "reuse that name.");
  }

  Container container;
  container.info.id = fake_id(next_id_++);
  container.info.name = name;
  container.info.image = spec.image;
  container.info.labels = spec.labels;
  if (spec.network) {
    container.network = spec.network->network;
    container.requested_ipv4 = spec.network->ipv4_address;
    container.info.networks[container.network] = EndpointInfo{};
  }
  std::string id = container.info.id;
  containers_[id] = std::move(container);
  return id;
}

Status FakeRuntime::start_container(const std::string& container) {
  if (Status status = enter(Operation::kStartContainer); !status.ok()) {
    return status;
  }
  std::lock_guard lock(mutex_);
  std::string prefix = operation_prefix("start container", container);
  Container* found = find_container(container);
  if (found == nullptr) {
    return no_such_container(prefix, container);
  }
  if (found->info.running()) {
    return Status::Ok();
  }
  if (!found->network.empty()) {
    if (Status assigned = assign_address(*found); !assigned.ok()) {
      found->info.error = assigned.error().message;
      return make_error(assigned.code(), prefix + assigned.error().message);
    }
  }

  found->info.state = ContainerState::kRunning;
  found->info.exit_code = 0;
  found->info.oom_killed = false;
  found->info.error.clear();
  found->info.started_at = std::chrono::system_clock::now();
  emit(EventAction::kStart, *found);
  return Status::Ok();
}

Status FakeRuntime::stop_container(const std::string& container, std::chrono::seconds) {
  if (Status status = enter(Operation::kStopContainer); !status.ok()) {
    return status;
  }
  std::lock_guard lock(mutex_);
  Container* found = find_container(container);
  if (found == nullptr) {
    return no_such_container(operation_prefix("stop container", container), container);
  }
  if (found->info.running()) {
    // As for a process that the stop signal (SIGTERM) ends.
    stop_locked(*found, 128 + SIGTERM);
  }
  return Status::Ok();
}

Status FakeRuntime::kill_container(const std::string& container, const std::string& signal) {
  if (Status status = enter(Operation::kKillContainer); !status.ok()) {
    return status;
  }
  std::lock_guard lock(mutex_);
  std::string prefix = operation_prefix("kill container", container + " with " + signal);
  Container* found = find_container(container);
  if (found == nullptr) {
    return no_such_container(prefix, container);
  }
  auto number = parse_signal(signal);
  if (!number) {
    return make_error(ErrorCode::kInvalidArgument, prefix + "Invalid signal: " + signal);
  }
  if (!found->info.running()) {
    return make_error(ErrorCode::kConflict,
                      prefix + "Container " + found->info.id + " is not running");
  }
  // NOTE: every signal ends the fake's process; a real one may catch or ignore it.
  stop_locked(*found, 128 + *number);
  return Status::Ok();
}

Status FakeRuntime::remove_container(const std::string& container) {
  if (Status status = enter(Operation::kRemoveContainer); !status.ok()) {
    return status;
  }
  std::lock_guard lock(mutex_);
  Container* found = find_container(container);
  if (found == nullptr) {
    return no_such_container(operation_prefix("remove container", container), container);
  }
  if (found->info.running()) {
    stop_locked(*found, 128 + SIGKILL);
  }
  emit(EventAction::kDestroy, *found);
  containers_.erase(found->info.id);
  return Status::Ok();
}

Result<ContainerInfo> FakeRuntime::inspect_container(const std::string& container) {
  if (Status status = enter(Operation::kInspectContainer); !status.ok()) {
    return status.error();
  }
  std::lock_guard lock(mutex_);
  Container* found = find_container(container);
  if (found == nullptr) {
    return no_such_container(operation_prefix("inspect container", container), container);
  }
  return found->info;
}

Result<std::vector<ContainerSummary>> FakeRuntime::list_containers(const Labels& labels) {
  if (Status status = enter(Operation::kListContainers); !status.ok()) {
    return status.error();
  }
  std::lock_guard lock(mutex_);
  std::vector<ContainerSummary> result;
  for (const auto& [id, container] : containers_) {
    if (!labels_match(labels, container.info.labels)) {
      continue;
    }
    ContainerSummary summary;
    summary.id = id;
    summary.name = container.info.name;
    summary.image = container.info.image;
    summary.state = container.info.state;
    summary.labels = container.info.labels;
    for (const auto& [network, endpoint] : container.info.networks) {
      summary.ipv4_addresses[network] = endpoint.ipv4_address;
    }
    result.push_back(std::move(summary));
  }
  return result;
}

Result<ContainerLogs> FakeRuntime::container_logs(const std::string& container, int tail) {
  if (Status status = enter(Operation::kContainerLogs); !status.ok()) {
    return status.error();
  }
  std::lock_guard lock(mutex_);
  Container* found = find_container(container);
  if (found == nullptr) {
    return no_such_container(operation_prefix("read logs of container", container), container);
  }

  // Like dockerd, the tail counts lines of both streams together.
  size_t count = found->log_lines.size();
  size_t first = tail < 0 || static_cast<size_t>(tail) >= count ? 0 : count - tail;
  ContainerLogs logs;
  for (size_t i = first; i < count; ++i) {
    const auto& [is_stderr, line] = found->log_lines[i];
    (is_stderr ? logs.stderr_text : logs.stdout_text) += line;
  }
  return logs;
}

Result<bool> FakeRuntime::image_exists(const std::string& image) {
  if (Status status = enter(Operation::kImageExists); !status.ok()) {
    return status.error();
  }
  std::lock_guard lock(mutex_);
  return images_.count(normalized_image(image)) != 0;
}

Status FakeRuntime::import_image(const std::string& image, std::istream& tar,
                                 const std::vector<std::string>&) {
  if (Status status = enter(Operation::kImportImage); !status.ok()) {
    return status;
  }
  // Consumes the stream like the real import does, so callers' stream handling is exercised.
  char buffer[4096];
  while (tar.read(buffer, sizeof(buffer)) || tar.gcount() > 0) {
  }
  if (tar.bad()) {
    return make_error(ErrorCode::kInvalidArgument,
                      operation_prefix("import image", image) + "reading the tar stream failed");
  }
  std::lock_guard lock(mutex_);
  images_.insert(normalized_image(image));
  return Status::Ok();
}

Result<EngineInfo> FakeRuntime::engine_info() {
  if (Status status = enter(Operation::kEngineInfo); !status.ok()) {
    return status.error();
  }
  std::lock_guard lock(mutex_);
  return engine_;
}

Result<std::unique_ptr<EventWatch>> FakeRuntime::watch_events(const EventFilter& filter,
                                                              EventHandlers handlers) {
  if (Status status = enter(Operation::kWatchEvents); !status.ok()) {
    return status.error();
  }
  if (!handlers.on_event) {
    return make_error(ErrorCode::kInvalidArgument,
                      "watch events: EventHandlers::on_event is empty; pass a callback");
  }

  auto state = std::make_shared<WatchState>();
  state->filter = filter;
  state->handlers = std::move(handlers);
  if (state->handlers.on_connection) {
    WatchState* target = state.get();
    target->push([target] { target->handlers.on_connection(Status::Ok()); });
  }
  {
    std::lock_guard lock(mutex_);
    watches_.push_back(state);
  }
  return std::unique_ptr<EventWatch>(std::make_unique<Watch>(state));
}

}  // namespace raictl
