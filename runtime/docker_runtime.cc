#include "runtime/docker_runtime.h"

#include "core/log.h"
#include "runtime/docker_event_stream.h"
#include "runtime/docker_json.h"
#include "runtime/log_demuxer.h"

namespace raictl {

namespace {

std::string container_path(const std::string& container) {
  return "/containers/" + url_encode(container);
}

std::string network_path(const std::string& name) {
  return "/networks/" + url_encode(name);
}

}  // namespace

DockerRuntime::DockerRuntime(DockerClientOptions options) : client_(std::move(options)) {}

Result<std::unique_ptr<DockerRuntime>> DockerRuntime::create(DockerClientOptions options) {
  auto runtime = std::make_unique<DockerRuntime>(std::move(options));
  auto prefix = runtime->client_.api_prefix();
  if (!prefix) {
    return prefix.error();
  }
  return runtime;
}

Result<std::unique_ptr<DockerRuntime>> DockerRuntime::create(const std::string& socket_path) {
  DockerClientOptions options;
  options.socket_path = socket_path;
  return create(std::move(options));
}

Result<HttpResponse> DockerRuntime::send(std::string method, std::string path,
                                         std::string operation, std::string body) {
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.operation = std::move(operation);
  request.body = std::move(body);
  return client_.send(request);
}

Result<NetworkInfo> DockerRuntime::ensure_network(const NetworkSpec& spec) {
  auto existing = inspect_network(spec.name);
  if (!existing && existing.code() == ErrorCode::kNotFound) {
    auto created =
        send("POST", "/networks/create", "create network " + spec.name, network_create_body(spec));
    // A conflict means another caller created it first; it is compared below like any
    // existing network.
    if (!created && created.code() != ErrorCode::kConflict) {
      return created.error();
    }
    if (created) {
      component_logger("docker")->info("net={} created subnet={} bridge={}", spec.name, spec.subnet,
                                       spec.bridge_name);
    }
    existing = inspect_network(spec.name);
  }
  if (!existing) {
    return existing.error();
  }

  std::vector<std::string> mismatches = network_mismatches(spec, *existing);
  if (!mismatches.empty()) {
    std::string message = "network " + spec.name + " already exists with different settings: ";
    for (size_t i = 0; i < mismatches.size(); ++i) {
      message += (i == 0 ? "" : "; ") + mismatches[i];
    }
    message += ". Remove it (docker network rm " + spec.name + ") or change the spec";
    return make_error(ErrorCode::kConflict, message);
  }
  return existing;
}

Result<NetworkInfo> DockerRuntime::inspect_network(const std::string& name) {
  std::string operation = "inspect network " + name;
  auto reply = send("GET", network_path(name), operation);
  if (!reply) {
    return reply.error();
  }
  auto network = parse_network(reply->body);
  if (!network) {
    return network.error();
  }
  // dockerd also matches an id prefix; a name must match exactly.
  if (network->name != name && network->id != name) {
    return make_error(ErrorCode::kNotFound, operation + ": network " + name + " not found");
  }
  return network;
}

Result<std::vector<NetworkInfo>> DockerRuntime::list_networks(const Labels& labels) {
  auto reply =
      send("GET", "/networks?filters=" + url_encode(label_filters(labels)), "list networks");
  if (!reply) {
    return reply.error();
  }
  return parse_network_list(reply->body);
}

Status DockerRuntime::remove_network(const std::string& name) {
  auto reply = send("DELETE", network_path(name), "remove network " + name);
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

Result<std::string> DockerRuntime::create_container(const ContainerConfig& spec) {
  auto reply = send("POST", "/containers/create?name=" + url_encode(spec.name),
                    "create container " + spec.name, container_create_body(spec));
  if (!reply) {
    return reply.error();
  }
  auto id = parse_created_id(reply->body);
  if (id) {
    component_logger("docker")->debug("ctr={} created id={} image={}", spec.name, *id, spec.image);
  }
  return id;
}

Status DockerRuntime::start_container(const std::string& container) {
  auto reply = send("POST", container_path(container) + "/start", "start container " + container);
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

Status DockerRuntime::stop_container(const std::string& container, std::chrono::seconds timeout) {
  HttpRequest request;
  request.method = "POST";
  request.path = container_path(container) + "/stop?t=" + std::to_string(timeout.count());
  request.operation = "stop container " + container;
  // dockerd replies only after the grace period and the kill that may follow it.
  request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout) +
                    client_.options().call_timeout;
  auto reply = client_.send(request);
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

Status DockerRuntime::kill_container(const std::string& container, const std::string& signal) {
  auto reply = send("POST", container_path(container) + "/kill?signal=" + url_encode(signal),
                    "kill container " + container + " with " + signal);
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

Status DockerRuntime::remove_container(const std::string& container) {
  auto reply =
      send("DELETE", container_path(container) + "?force=1&v=1", "remove container " + container);
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

Result<ContainerInfo> DockerRuntime::inspect_container(const std::string& container) {
  auto reply = send("GET", container_path(container) + "/json", "inspect container " + container);
  if (!reply) {
    return reply.error();
  }
  return parse_container_inspect(reply->body);
}

Result<std::vector<ContainerSummary>> DockerRuntime::list_containers(const Labels& labels) {
  auto reply = send("GET", "/containers/json?all=1&filters=" + url_encode(label_filters(labels)),
                    "list containers");
  if (!reply) {
    return reply.error();
  }
  return parse_container_list(reply->body);
}

Result<ContainerLogs> DockerRuntime::container_logs(const std::string& container, int tail) {
  std::string tail_value = tail < 0 ? "all" : std::to_string(tail);
  auto reply = send("GET", container_path(container) + "/logs?stdout=1&stderr=1&tail=" + tail_value,
                    "read logs of container " + container);
  if (!reply) {
    return reply.error();
  }

  LogDemuxer demuxer;
  Status fed = demuxer.feed(reply->body);
  if (fed.ok()) {
    fed = demuxer.finish();
  }
  if (!fed.ok()) {
    return make_error(fed.code(),
                      "read logs of container " + container + ": " + fed.error().message);
  }
  return demuxer.take_logs();
}

Result<bool> DockerRuntime::image_exists(const std::string& image) {
  auto reply = send("GET", "/images/" + url_encode(image) + "/json", "inspect image " + image);
  if (reply) {
    return true;
  }
  if (reply.code() == ErrorCode::kNotFound) {
    return false;
  }
  return reply.error();
}

Status DockerRuntime::import_image(const std::string& image, std::istream& tar,
                                   const std::vector<std::string>& changes) {
  ImageReference reference = parse_image_reference(image);
  HttpRequest request;
  request.method = "POST";
  request.path = "/images/create?fromSrc=-&repo=" + url_encode(reference.repository);
  if (!reference.tag.empty()) {
    request.path += "&tag=" + url_encode(reference.tag);
  }
  for (const std::string& change : changes) {
    request.path += "&changes=" + url_encode(change);
  }
  request.operation = "import image " + image;
  request.upload = &tar;
  request.timeout = client_.options().import_timeout;

  auto reply = client_.send(request);
  if (!reply) {
    return reply.error();
  }
  Status progress = check_import_progress(reply->body, request.operation);
  if (progress.ok()) {
    component_logger("docker")->info("image={} imported", image);
  }
  return progress;
}

Result<EngineInfo> DockerRuntime::engine_info() {
  auto reply = send("GET", "/info", "read engine info");
  if (!reply) {
    return reply.error();
  }
  auto info = parse_engine_info(reply->body);
  if (!info) {
    return info.error();
  }
  auto prefix = client_.api_prefix();
  if (prefix) {
    info->api_version = prefix->substr(2);  // "/v1.41" -> "1.41"
  }
  return info;
}

Result<std::unique_ptr<EventWatch>> DockerRuntime::watch_events(const EventFilter& filter,
                                                                EventHandlers handlers) {
  if (!handlers.on_event) {
    return make_error(ErrorCode::kInvalidArgument,
                      "watch events: EventHandlers::on_event is empty; pass a callback");
  }
  return std::unique_ptr<EventWatch>(
      std::make_unique<DockerEventStream>(client_, filter, std::move(handlers)));
}

}  // namespace raictl
