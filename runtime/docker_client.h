#pragma once

#include <curl/curl.h>

#include <chrono>
#include <istream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace raictl {

struct DockerClientOptions {
  std::string socket_path = "/var/run/docker.sock";
  // Bound of every call except the ones below, from connecting to the last byte.
  std::chrono::milliseconds call_timeout{30'000};
  std::chrono::milliseconds connect_timeout{5'000};
  // Bound of an image import, which streams the whole tar.
  std::chrono::milliseconds import_timeout{300'000};
  // Newest Engine API version requests use. A daemon that speaks less is used at its own
  // version down to kMinApiVersion.
  std::string max_api_version = "1.41";
};

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlList = std::unique_ptr<curl_slist, CurlListDeleter>;

struct HttpResponse {
  long status = 0;
  std::string body;
};

// One HTTP exchange with dockerd. `path` starts after the version prefix and carries the
// query, for example "/containers/json?all=1"; its variable parts must already be encoded
// with url_encode. `operation` describes the call in errors ("start container web-1").
struct HttpRequest {
  std::string method = "GET";
  std::string path;
  std::string operation;
  std::string body;                // sent as application/json when non-empty
  std::istream* upload = nullptr;  // sent chunked as application/x-tar instead of body
  std::optional<std::chrono::milliseconds> timeout;  // unset uses call_timeout
};

// HTTP over dockerd's unix socket with libcurl. Before the first request it reads GET
// /version and pins every path to the newest API version both sides speak, so a newer
// dockerd keeps the 1.41 behaviour this code was written against.
//
// Thread-safe: each request uses its own curl easy handle, and the negotiated version is
// guarded by a mutex. libcurl's global state is initialized once per process.
class DockerClient {
 public:
  // Oldest Engine API version accepted. The integration tests run against dockerd 20.10
  // at 1.40 and 1.41.
  static constexpr std::string_view kMinApiVersion = "1.40";

  explicit DockerClient(DockerClientOptions options);

  // Sends the request. 2xx and 304 (already in the requested state) return the response;
  // any other status and every transport failure return the error (see docker_error.h).
  Result<HttpResponse> send(const HttpRequest& request);

  // Returns the negotiated version prefix ("/v1.41"), reading /version on first use.
  Result<std::string> api_prefix();

  // Returns a handle with the socket, URL (prefix + path) and connect timeout set, for
  // callers that drive the transfer themselves (the event stream).
  CurlEasy make_handle(const std::string& versioned_path) const;

  const DockerClientOptions& options() const { return options_; }

 private:
  Result<HttpResponse> perform(const HttpRequest& request, const std::string& versioned_path);

  DockerClientOptions options_;
  std::mutex version_mutex_;
  std::string api_prefix_;  // empty until negotiated
};

// Percent-encodes everything except RFC 3986's unreserved characters, for path segments
// and query values.
std::string url_encode(std::string_view text);

// Compares "major.minor" API versions; returns <0, 0 or >0. Text that is not two numbers
// compares as 0.0.
int compare_api_versions(std::string_view left, std::string_view right);

}  // namespace raictl
