#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/container_runtime.h"

namespace raictl {

// An in-memory ContainerRuntime for unit tests of the reconciler: containers, networks
// and images live in maps, nothing runs, and every operation can be made to fail or to
// be slow. Its errors use the codes and, where practical, the wording of dockerd 20.10.
// A missing image or network is kNotFound and a taken name or address is kConflict. An
// address outside the subnet is kInternal, because dockerd replies 500 for it on start.
//
// Events are delivered like DockerRuntime's, on one thread per watch, so a consumer that
// touches its loop's state from the callback fails here too. flush_events() waits for
// them, so a test can assert without sleeping.
//
// Thread-safe. Watches must be destroyed before the runtime.
class FakeRuntime : public ContainerRuntime {
 public:
  enum class Operation {
    kEnsureNetwork,
    kInspectNetwork,
    kListNetworks,
    kRemoveNetwork,
    kCreateContainer,
    kStartContainer,
    kStopContainer,
    kKillContainer,
    kRemoveContainer,
    kInspectContainer,
    kListContainers,
    kContainerLogs,
    kImageExists,
    kImportImage,
    kEngineInfo,
    kWatchEvents,
  };

  // Starts with image raictl/busybox:latest present and an engine of 4 CPUs and 8 GiB.
  FakeRuntime();
  ~FakeRuntime() override;
  FakeRuntime(const FakeRuntime&) = delete;
  FakeRuntime& operator=(const FakeRuntime&) = delete;

  // Fault injection, per operation. A failing call changes nothing. Errors queued with
  // fail_once are used one per call, in order, before a fail_always error applies.
  void fail_once(Operation operation, Error error);
  void fail_always(Operation operation, Error error);
  // Every later call of the operation sleeps this long first, outside the lock.
  void delay(Operation operation, std::chrono::milliseconds duration);
  void clear_faults();
  // Calls made so far, including failed ones.
  int call_count(Operation operation) const;

  // Test controls that stand in for what a real engine does by itself.
  void add_image(const std::string& image);
  void set_engine_info(EngineInfo info);
  // The container's process exits on its own with `exit_code`: an oom event first when
  // `oom_killed`, then die. kConflict when it is not running.
  Status exit_container(const std::string& container, int exit_code, bool oom_killed = false);
  // Appends output lines as if the container had printed them.
  Status write_logs(const std::string& container, std::string_view stdout_text,
                    std::string_view stderr_text);
  // Every watch reports `error` through on_connection, then Ok as if it had reconnected.
  void interrupt_event_streams(const Error& error);
  // Blocks until every event emitted so far has been handed to its handlers.
  void flush_events();

  Result<NetworkInfo> ensure_network(const NetworkSpec& spec) override;
  Result<NetworkInfo> inspect_network(const std::string& name) override;
  Result<std::vector<NetworkInfo>> list_networks(const Labels& labels) override;
  Status remove_network(const std::string& name) override;

  Result<std::string> create_container(const ContainerConfig& spec) override;
  Status start_container(const std::string& container) override;
  Status stop_container(const std::string& container, std::chrono::seconds timeout) override;
  Status kill_container(const std::string& container, const std::string& signal) override;
  Status remove_container(const std::string& container) override;
  Result<ContainerInfo> inspect_container(const std::string& container) override;
  Result<std::vector<ContainerSummary>> list_containers(const Labels& labels) override;
  Result<ContainerLogs> container_logs(const std::string& container, int tail) override;

  Result<bool> image_exists(const std::string& image) override;
  Status import_image(const std::string& image, std::istream& tar,
                      const std::vector<std::string>& changes) override;

  Result<EngineInfo> engine_info() override;

  Result<std::unique_ptr<EventWatch>> watch_events(const EventFilter& filter,
                                                   EventHandlers handlers) override;

 private:
  struct Faults {
    std::deque<Error> once;
    std::optional<Error> always;
    std::chrono::milliseconds delay{0};
    int calls = 0;
  };

  struct Container {
    ContainerInfo info;
    std::string network;         // attached network name, empty for none
    std::string requested_ipv4;  // fixed address from the spec, empty to allocate one
    std::vector<std::pair<bool, std::string>> log_lines;  // (is stderr, line with newline)
  };

  class Watch;
  struct WatchState;

  // Counts the call, sleeps its delay and returns its injected error, if any.
  Status enter(Operation operation);

  // The helpers below expect mutex_ to be held.
  Container* find_container(const std::string& container);
  NetworkInfo* find_network(const std::string& name);
  Status assign_address(Container& container);
  void release_address(Container& container);
  void stop_locked(Container& container, int exit_code);
  void emit(EventAction action, const Container& container);

  mutable std::mutex mutex_;
  std::map<Operation, Faults> faults_;
  std::map<std::string, Container> containers_;  // by id
  std::map<std::string, NetworkInfo> networks_;  // by name
  std::set<std::string> images_;
  EngineInfo engine_;
  uint64_t next_id_ = 1;
  std::vector<std::weak_ptr<WatchState>> watches_;
};

}  // namespace raictl
