#pragma once

#include <uv.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/redis_address.h"
#include "core/redis_client.h"
#include "core/store.h"
#include "reconciler/async_redis.h"
#include "reconciler/reconciler.h"
#include "runtime/container_runtime.h"

namespace raictl::reconciler {

struct NodeOptions {
  std::string name;
  std::string address;  // this host's address as other hosts reach it
  std::map<std::string, std::string> labels;
  RedisAddress redis;
  // Capacity written to the node record instead of what Docker reports, for a host that
  // keeps some of its resources for itself or several simulated hosts on one machine.
  std::optional<int64_t> cpu_millis;
  std::optional<int64_t> memory_bytes;
  std::chrono::milliseconds heartbeat_interval{2000};
  std::chrono::milliseconds resync_interval{10'000};
  int block_ms = 5000;  // XREADGROUP BLOCK on the node's stream; never 0 (forever)
  BackoffPolicy backoff;
  // The overlay is wired when enabled and `address` belongs to a local device; a host
  // whose address is loopback (a single-host setup) runs without it.
  bool overlay = true;
  uint32_t vni = 4242;
  uint16_t vxlan_port = kVxlanPort;
};

// The node process: one libuv loop that owns all state and decides when a reconcile pass
// runs. Wake-ups come from the node's Redis stream (XREADGROUP through hiredis's libuv
// adapter), from Docker's event stream (its thread calls uv_async_send), from the resync
// timer and from backoff deadlines. The pass itself runs on libuv's thread pool, because it
// blocks on Docker and Redis. At most one runs at a time, and a wake-up during a pass
// schedules exactly one more.
//
// Stream entries are acknowledged only after a pass that started after they arrived has
// finished, so a crash before that leaves them pending and the restarted node reads them
// first.
class NodeAgent {
 public:
  NodeAgent(NodeOptions options, std::unique_ptr<ContainerRuntime> runtime);
  ~NodeAgent();

  // Registers the host, then runs the loop until SIGINT or SIGTERM. Returns the exit code:
  // 0 after a signal, 1 when a signal came before the registration succeeded, and 2 when the
  // cluster's node grace is less than three heartbeat intervals of this host.
  int run();

 private:
  int register_with_retries();
  Status connect_store();
  Result<bool> heartbeat_interval_fits();
  Status register_node();
  OverlayOptions overlay_options();
  void start_stream();
  void read_stream(bool pending);
  void on_stream_reply(Result<RedisReply> reply, bool pending);
  void send_heartbeat();
  void resync();
  void request_pass();
  void start_pass();
  void finish_pass();
  void arm_wake_timer(std::chrono::steady_clock::time_point at);
  void shutdown();

  NodeOptions options_;
  std::unique_ptr<ContainerRuntime> runtime_;
  std::unique_ptr<HostNetwork> host_network_;
  uv_loop_t loop_{};

  // Worker-side state: used only inside a pass, which runs on one pool thread at a time.
  std::unique_ptr<RedisClient> worker_client_;
  std::unique_ptr<Store> worker_store_;
  std::unique_ptr<Reconciler> reconciler_;
  Result<PassResult> last_pass_{PassResult{}};

  std::unique_ptr<AsyncRedis> stream_redis_;
  std::unique_ptr<AsyncRedis> beat_redis_;
  std::unique_ptr<EventWatch> events_;

  uv_timer_t heartbeat_timer_{};
  uv_timer_t resync_timer_{};
  uv_timer_t wake_timer_{};
  uv_async_t docker_wake_{};
  uv_signal_t sigint_{};
  uv_signal_t sigterm_{};
  uv_work_t pass_work_{};

  bool pass_running_ = false;
  bool pass_requested_ = false;
  bool stopping_ = false;
  std::vector<std::string> unacked_;  // stream ids seen, waiting for a pass to start
  std::vector<std::string> in_pass_;  // stream ids the running pass covers
};

// The command the node's asynchronous connection sends for each heartbeat: the store's
// heartbeat script, so that the beat carries the Redis server's time, not this host's.
std::vector<std::string> heartbeat_command(const std::string& node);

}  // namespace raictl::reconciler
