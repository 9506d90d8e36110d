#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/container_runtime.h"
#include "runtime/docker_client.h"

namespace raictl {

// ContainerRuntime backed by dockerd's Engine API over its unix socket.
//
// Errors keep Docker's own message after a short description of the call, for example
// "create container web-1: No such image: raictl/nope:latest". Nothing is pulled from a
// registry: images must be present or imported. Thread-safe (see DockerClient); event
// streams run on their own threads and must be destroyed before the runtime.
class DockerRuntime : public ContainerRuntime {
 public:
  explicit DockerRuntime(DockerClientOptions options = {});

  // Builds a runtime and reads the daemon's API version once, so that a socket without a
  // daemon fails here (kUnavailable, naming the socket) rather than at the first call.
  static Result<std::unique_ptr<DockerRuntime>> create(DockerClientOptions options);
  static Result<std::unique_ptr<DockerRuntime>> create(const std::string& socket_path);

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

  DockerClient& client() { return client_; }

 private:
  Result<HttpResponse> send(std::string method, std::string path, std::string operation,
                            std::string body = {});

  DockerClient client_;
};

}  // namespace raictl
