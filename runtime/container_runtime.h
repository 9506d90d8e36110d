#pragma once

#include <chrono>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "runtime/runtime_types.h"

namespace raictl {

// Receivers of an event stream. Both run on the stream's own thread, never on the
// caller's. They must return quickly and must not call back into the runtime, so they only
// copy the event into a queue and wake the consumer. On a libuv loop that means a push
// under a mutex and uv_async_send, which is safe from any thread. A callback that blocks
// delays every later event and cancel().
struct EventHandlers {
  std::function<void(const ContainerEvent&)> on_event;

  // Called with Ok each time the stream is connected, including the first time, and with
  // the error each time it drops. The stream reconnects by itself after a drop, but the
  // engine does not replay what happened while it was down, so on every Ok after the first
  // the consumer must list containers again to catch up. May be empty.
  std::function<void(const Status&)> on_connection;
};

// A running event stream. Destroying it cancels it.
class EventWatch {
 public:
  virtual ~EventWatch() = default;

  // Stops the stream and joins its thread; no callback runs after it returns. Returns
  // within about a second. Must not be called from inside a callback. Idempotent.
  virtual void cancel() = 0;
};

// The container engine as the node's reconciler uses it: containers, their network and
// image, capacity and lifecycle events. DockerRuntime talks to dockerd, and FakeRuntime
// keeps everything in memory for unit tests.
//
// `container` arguments accept a name or an id. Every call is bounded by a timeout and
// fails with kTimeout when it expires; kUnavailable means the engine cannot be reached.
// Implementations are safe to call from several threads at once.
class ContainerRuntime {
 public:
  virtual ~ContainerRuntime() = default;

  // Creates the bridge network when missing and returns it. An existing network of that
  // name is accepted when its subnet, gateway, ip range, bridge name and MTU match the
  // spec's non-empty fields. Otherwise the result is kConflict, naming each difference.
  virtual Result<NetworkInfo> ensure_network(const NetworkSpec& spec) = 0;
  virtual Result<NetworkInfo> inspect_network(const std::string& name) = 0;
  // Networks whose labels include every pair of `labels`.
  virtual Result<std::vector<NetworkInfo>> list_networks(const Labels& labels) = 0;
  // kConflict while containers are still attached.
  virtual Status remove_network(const std::string& name) = 0;

  // Returns the new container's id. kNotFound when the image is not local (nothing is
  // pulled), kConflict when the name is taken.
  virtual Result<std::string> create_container(const ContainerConfig& spec) = 0;
  // Starting a running container succeeds without doing anything.
  virtual Status start_container(const std::string& container) = 0;
  // Sends the stop signal, waits `timeout`, then kills. Stopping a stopped container
  // succeeds without doing anything.
  virtual Status stop_container(const std::string& container, std::chrono::seconds timeout) = 0;
  // Sends `signal` (a name such as SIGKILL or a number). kConflict when it is not running.
  virtual Status kill_container(const std::string& container, const std::string& signal) = 0;
  // Removes the container, killing it first when it runs.
  virtual Status remove_container(const std::string& container) = 0;
  virtual Result<ContainerInfo> inspect_container(const std::string& container) = 0;
  // Running and stopped containers whose labels include every pair of `labels`.
  virtual Result<std::vector<ContainerSummary>> list_containers(const Labels& labels) = 0;
  // The last `tail` lines of the output, counted over both streams together as dockerd
  // does; tail < 0 returns everything.
  virtual Result<ContainerLogs> container_logs(const std::string& container, int tail) = 0;

  // Whether the image is present locally.
  virtual Result<bool> image_exists(const std::string& image) = 0;
  // Imports a root filesystem from a tar stream as image `image` (name:tag). `changes`
  // are Dockerfile instructions applied to the image config, for example
  // CMD ["/bin/sh"]. The stream is read on the calling thread until it ends.
  virtual Status import_image(const std::string& image, std::istream& tar,
                              const std::vector<std::string>& changes) = 0;

  virtual Result<EngineInfo> engine_info() = 0;

  // Starts delivering the container events that match `filter` to `handlers` (see
  // EventHandlers for the threading contract). Fails only when the stream cannot be set
  // up at all; an engine that is down is reported through on_connection and retried.
  virtual Result<std::unique_ptr<EventWatch>> watch_events(const EventFilter& filter,
                                                           EventHandlers handlers) = 0;
};

}  // namespace raictl
