#include "reconciler/node_agent.h"

#include <thread>

#include "core/keys.h"
#include "core/log.h"
#include "core/quantity.h"
#include "fmt/format.h"
#include "reconciler/node_config.h"
#include "runtime/netlink_host_network.h"

namespace raictl::reconciler {

namespace {

constexpr uint64_t kPassRetryMs = 2000;

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = component_logger("node");
  return instance;
}

uint64_t ms(std::chrono::milliseconds duration) {
  return static_cast<uint64_t>(duration.count());
}

template <typename Handle>
uv_handle_t* as_handle(Handle* handle) {
  return reinterpret_cast<uv_handle_t*>(handle);
}

}  // namespace

NodeAgent::NodeAgent(NodeOptions options, std::unique_ptr<ContainerRuntime> runtime)
    : options_(std::move(options)), runtime_(std::move(runtime)) {}

NodeAgent::~NodeAgent() = default;

int NodeAgent::run() {
  uv_loop_init(&loop_);
  loop_.data = this;

  uv_signal_init(&loop_, &sigint_);
  uv_signal_init(&loop_, &sigterm_);
  sigint_.data = sigterm_.data = this;
  auto on_signal = [](uv_signal_t* handle, int signal) {
    logger()->info("received signal {}, stopping", signal);
    static_cast<NodeAgent*>(handle->data)->shutdown();
  };
  uv_signal_start(&sigint_, on_signal, SIGINT);
  uv_signal_start(&sigterm_, on_signal, SIGTERM);

  if (int code = register_with_retries(); code != 0) {
    shutdown();
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
    return code;
  }

  host_network_ = std::make_unique<NetlinkHostNetwork>();
  reconciler_ = std::make_unique<Reconciler>(
      *runtime_, *worker_store_,
      ReconcilerOptions{options_.name, options_.backoff, overlay_options()},
      std::chrono::steady_clock::now, host_network_.get());

  uv_timer_init(&loop_, &heartbeat_timer_);
  uv_timer_init(&loop_, &resync_timer_);
  uv_timer_init(&loop_, &wake_timer_);
  heartbeat_timer_.data = resync_timer_.data = wake_timer_.data = this;
  uv_timer_start(
      &heartbeat_timer_,
      [](uv_timer_t* timer) { static_cast<NodeAgent*>(timer->data)->send_heartbeat(); }, 0,
      ms(options_.heartbeat_interval));
  uv_timer_start(
      &resync_timer_, [](uv_timer_t* timer) { static_cast<NodeAgent*>(timer->data)->resync(); },
      ms(options_.resync_interval), ms(options_.resync_interval));

  uv_async_init(&loop_, &docker_wake_,
                [](uv_async_t* async) { static_cast<NodeAgent*>(async->data)->request_pass(); });
  docker_wake_.data = this;

  stream_redis_ = std::make_unique<AsyncRedis>(&loop_, options_.redis, "stream");
  stream_redis_->on_ready([this] { start_stream(); });
  stream_redis_->connect();
  beat_redis_ = std::make_unique<AsyncRedis>(&loop_, options_.redis, "heartbeat");
  beat_redis_->connect();

  EventHandlers handlers;
  handlers.on_event = [this](const ContainerEvent&) { uv_async_send(&docker_wake_); };
  handlers.on_connection = [this](const Status& status) {
    if (!status) {
      logger()->warn("node={} Docker event stream down: {}", options_.name, status.error().message);
      return;
    }
    // Docker does not replay events missed while the stream was down: look again.
    uv_async_send(&docker_wake_);
  };
  auto watch = runtime_->watch_events(EventFilter{{{"raictl.managed", "true"}}}, handlers);
  if (watch) {
    events_ = std::move(watch).value();
  } else {
    logger()->error("node={} cannot watch Docker events, relying on resync every {} ms: {}",
                    options_.name, options_.resync_interval.count(), watch.error().message);
  }

  logger()->info("node={} address={} running", options_.name, options_.address);
  // Every pass fences before it creates anything, so this first one stops the copies that
  // were moved away while this process was down before it starts any container.
  request_pass();
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
  logger()->info("node={} stopped", options_.name);
  return 0;
}

// Registration blocks the loop thread on purpose: nothing else may run before the host is
// known, and a signal still ends the wait between attempts. Returns 0 once registered, else
// the exit code.
int NodeAgent::register_with_retries() {
  while (true) {
    auto status = connect_store();
    if (status) {
      auto fits = heartbeat_interval_fits();
      if (fits && !*fits) {
        return 2;
      }
      status = fits ? register_node() : Status(fits.error());
    }
    if (status) {
      return 0;
    }

    logger()->error("node={} registration failed, retrying in 2 s: {}", options_.name,
                    status.error().message);
    uv_run(&loop_, UV_RUN_NOWAIT);
    if (stopping_) {
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

Status NodeAgent::connect_store() {
  if (worker_client_) {
    return Status::Ok();
  }
  auto client = RedisClient::connect(options_.redis);
  if (!client) {
    return client.error();
  }
  worker_client_ = std::move(client).value();
  worker_store_ = std::make_unique<Store>(*worker_client_);
  return Status::Ok();
}

// Returns false, after logging why, when the node must not start.
Result<bool> NodeAgent::heartbeat_interval_fits() {
  auto settings = worker_store_->cluster_settings();
  if (!settings) {
    return settings.error();
  }
  auto checked = check_heartbeat_interval(*settings, options_.heartbeat_interval);
  if (checked) {
    return true;
  }
  if (checked.code() == ErrorCode::kInvalidArgument) {
    logger()->error("node={} not starting: {}", options_.name, checked.error().message);
    return false;
  }
  logger()->warn("node={} ignoring the cluster's node grace: {}", options_.name,
                 checked.error().message);
  return true;
}

Status NodeAgent::register_node() {
  auto engine = runtime_->engine_info();
  if (!engine) {
    return engine.error();
  }

  int64_t engine_cpu_millis = int64_t{engine->cpus} * 1000;
  int64_t cpu_millis = options_.cpu_millis.value_or(engine_cpu_millis);
  int64_t memory_bytes = options_.memory_bytes.value_or(engine->memory_bytes);
  if (cpu_millis > engine_cpu_millis) {
    logger()->warn(
        "node={} --cpus {} is more than the {} CPUs Docker reports: containers "
        "placed here may get less CPU than they request",
        options_.name, format_cpu(cpu_millis), engine->cpus);
  }
  if (memory_bytes > engine->memory_bytes) {
    logger()->warn(
        "node={} --memory {} is more than the {} Docker reports: containers "
        "placed here may run out of memory",
        options_.name, format_memory(memory_bytes), format_memory(engine->memory_bytes));
  }

  // The record is written whole, without reading the old one, because every field is this
  // host's own report. Operators' cordons are kept in their own hash.
  nlohmann::json record = {
      {"name", options_.name},
      {"address", options_.address},
      {"labels", options_.labels},
      {"cpuMillis", cpu_millis},
      {"memoryBytes", memory_bytes},
      {"engineVersion", engine->server_version},
      {"registeredAt", rfc3339(now_ms())},
      {"heartbeatIntervalMs", options_.heartbeat_interval.count()},
  };
  if (auto status = worker_store_->put_node(options_.name, record); !status) {
    return status;
  }
  if (auto beat = worker_store_->heartbeat(options_.name); !beat) {
    return beat.error();
  }
  logger()->info("node={} registered: cpu {}{}, memory {}{}, Docker {}", options_.name,
                 format_cpu(cpu_millis), options_.cpu_millis ? " (from --cpus)" : "",
                 format_memory(memory_bytes), options_.memory_bytes ? " (from --memory)" : "",
                 engine->server_version);
  return Status::Ok();
}

OverlayOptions NodeAgent::overlay_options() {
  OverlayOptions overlay;
  overlay.vni = options_.vni;
  overlay.port = options_.vxlan_port;
  overlay.local_address = options_.address;
  if (!options_.overlay) {
    logger()->info("node={} overlay disabled by --no-overlay", options_.name);
    return overlay;
  }
  if (!is_ipv4_address(options_.address) || options_.address.starts_with("127.")) {
    logger()->warn(
        "node={} address {} is not a routable IPv4 address: running without the "
        "overlay, so containers reach only containers on this host",
        options_.name, options_.address);
    return overlay;
  }

  auto device = host_network_->device_for_address(options_.address);
  if (!device) {
    logger()->warn("node={} no local device has address {}, running without the overlay: {}",
                   options_.name, options_.address, device.error().message);
    return overlay;
  }
  auto mtu = host_network_->device_mtu(*device);
  if (!mtu) {
    logger()->warn("node={} reading the MTU of {} failed, running without the overlay: {}",
                   options_.name, *device, mtu.error().message);
    return overlay;
  }

  overlay.enabled = true;
  overlay.underlay_device = *device;
  overlay.mtu = vxlan_mtu_for_underlay(*mtu);
  logger()->info("node={} overlay: VNI {} port {} via {} ({}), MTU {}", options_.name, overlay.vni,
                 overlay.port, *device, options_.address, overlay.mtu);
  return overlay;
}

void NodeAgent::start_stream() {
  std::string stream = keys::node_stream(options_.name);
  stream_redis_->command(
      {"XGROUP", "CREATE", stream, keys::kNodeGroup, "0", "MKSTREAM"},
      [this](Result<RedisReply> reply) {
        if (!reply && reply.error().message.find("BUSYGROUP") == std::string::npos) {
          logger()->error("node={} creating the stream group failed: {}", options_.name,
                          reply.error().message);
          return;
        }
        // Entries delivered before a crash and never acknowledged come first.
        read_stream(true);
      });
}

void NodeAgent::read_stream(bool pending) {
  if (stopping_) {
    return;
  }
  std::vector<std::string> argv = {"XREADGROUP",  "GROUP", keys::kNodeGroup,
                                   options_.name, "COUNT", "100"};
  if (!pending) {
    argv.insert(argv.end(), {"BLOCK", std::to_string(options_.block_ms)});
  }
  argv.insert(argv.end(), {"STREAMS", keys::node_stream(options_.name), pending ? "0" : ">"});

  bool sent = stream_redis_->command(argv, [this, pending](Result<RedisReply> reply) {
    on_stream_reply(std::move(reply), pending);
  });
  if (!sent) {
    logger()->debug("node={} stream read deferred until Redis reconnects", options_.name);
  }
}

void NodeAgent::on_stream_reply(Result<RedisReply> reply, bool pending) {
  if (!reply) {
    // A dropped connection restarts the reads from its ready callback.
    if (reply.code() != ErrorCode::kUnavailable) {
      logger()->error("node={} reading the stream failed: {}", options_.name,
                      reply.error().message);
    }
    return;
  }

  size_t before = unacked_.size();
  for (const auto& stream : reply->elements) {
    if (stream.elements.size() != 2) {
      continue;
    }
    for (const auto& entry : stream.elements[1].elements) {
      if (!entry.elements.empty()) {
        unacked_.push_back(entry.elements[0].text);
      }
    }
  }
  bool got_entries = unacked_.size() > before;
  if (got_entries) {
    request_pass();
  }
  read_stream(pending && got_entries);
}

void NodeAgent::send_heartbeat() {
  if (!beat_redis_ || !beat_redis_->connected()) {
    return;
  }
  beat_redis_->command(heartbeat_command(options_.name), [this](Result<RedisReply> reply) {
    if (!reply) {
      logger()->warn("node={} heartbeat failed: {}", options_.name, reply.error().message);
    }
  });
}

void NodeAgent::resync() {
  // The controller may have overwritten statuses while it considered this host NotReady,
  // so a periodic pass writes them all again.
  reconciler_->rewrite_statuses();
  request_pass();
}

void NodeAgent::request_pass() {
  if (stopping_) {
    return;
  }
  if (pass_running_) {
    pass_requested_ = true;
    return;
  }
  start_pass();
}

void NodeAgent::start_pass() {
  pass_running_ = true;
  pass_requested_ = false;
  in_pass_ = std::move(unacked_);
  unacked_.clear();

  pass_work_.data = this;
  uv_queue_work(
      &loop_, &pass_work_,
      [](uv_work_t* work) {
        // Pool thread: the only place the worker client, store and reconciler are used.
        auto* self = static_cast<NodeAgent*>(work->data);
        self->last_pass_ = self->reconciler_->run_pass();
      },
      [](uv_work_t* work, int /*status*/) { static_cast<NodeAgent*>(work->data)->finish_pass(); });
}

void NodeAgent::finish_pass() {
  pass_running_ = false;

  if (!last_pass_) {
    logger()->error("node={} reconcile pass failed, retrying in {} ms: {}", options_.name,
                    kPassRetryMs, last_pass_.error().message);
    unacked_.insert(unacked_.begin(), in_pass_.begin(), in_pass_.end());
    in_pass_.clear();
    if (!stopping_) {
      uv_timer_start(
          &wake_timer_,
          [](uv_timer_t* timer) { static_cast<NodeAgent*>(timer->data)->request_pass(); },
          kPassRetryMs, 0);
    }
  } else {
    if (!in_pass_.empty() && beat_redis_->connected()) {
      std::vector<std::string> argv = {"XACK", keys::node_stream(options_.name), keys::kNodeGroup};
      argv.insert(argv.end(), in_pass_.begin(), in_pass_.end());
      beat_redis_->command(argv, [this](Result<RedisReply> reply) {
        if (!reply) {
          logger()->warn("node={} XACK failed; the entries will be read again: {}", options_.name,
                         reply.error().message);
        }
      });
    }
    in_pass_.clear();
    if (last_pass_->wake_at) {
      arm_wake_timer(*last_pass_->wake_at);
    }
  }

  if (stopping_) {
    return;
  }
  if (pass_requested_) {
    start_pass();
  }
}

void NodeAgent::arm_wake_timer(std::chrono::steady_clock::time_point at) {
  auto delay =
      std::chrono::duration_cast<std::chrono::milliseconds>(at - std::chrono::steady_clock::now());
  uint64_t delay_ms = delay.count() > 0 ? static_cast<uint64_t>(delay.count()) : 0;
  uv_timer_start(
      &wake_timer_, [](uv_timer_t* timer) { static_cast<NodeAgent*>(timer->data)->request_pass(); },
      delay_ms, 0);
}

void NodeAgent::shutdown() {
  if (stopping_) {
    return;
  }
  stopping_ = true;

  if (events_) {
    events_->cancel();
  }
  if (stream_redis_) {
    stream_redis_->close();
  }
  if (beat_redis_) {
    beat_redis_->close();
  }
  for (uv_handle_t* handle :
       {as_handle(&heartbeat_timer_), as_handle(&resync_timer_), as_handle(&wake_timer_),
        as_handle(&docker_wake_), as_handle(&sigint_), as_handle(&sigterm_)}) {
    if (handle->loop != nullptr && !uv_is_closing(handle)) {
      uv_close(handle, nullptr);
    }
  }
  // A running pass finishes on its own; uv_run returns once it has and every handle
  // above is closed.
}

std::vector<std::string> heartbeat_command(const std::string& node) {
  return {"EVAL", heartbeat_script_source(), "1", keys::heartbeats(), node};
}

}  // namespace raictl::reconciler
