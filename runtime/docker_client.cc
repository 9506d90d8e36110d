#include "runtime/docker_client.h"

#include <charconv>
#include <mutex>

#include "core/log.h"
#include "runtime/docker_error.h"
#include "runtime/docker_json.h"

namespace raictl {

namespace {

// libcurl's host part is required but unused over a unix socket.
const char* const kUrlBase = "http://docker";

void initialize_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t append_to_string(char* data, size_t size, size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

size_t read_from_stream(char* buffer, size_t size, size_t count, void* source) {
  auto* stream = static_cast<std::istream*>(source);
  stream->read(buffer, static_cast<std::streamsize>(size * count));
  if (stream->bad()) {
    return CURL_READFUNC_ABORT;
  }
  return static_cast<size_t>(stream->gcount());
}

std::pair<int, int> parse_api_version_numbers(std::string_view text) {
  int major = 0;
  int minor = 0;
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    return {0, 0};
  }
  std::from_chars(text.data(), text.data() + dot, major);
  std::from_chars(text.data() + dot + 1, text.data() + text.size(), minor);
  return {major, minor};
}

}  // namespace

std::string url_encode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 0x0f]);
    }
  }
  return encoded;
}

int compare_api_versions(std::string_view left, std::string_view right) {
  auto [left_major, left_minor] = parse_api_version_numbers(left);
  auto [right_major, right_minor] = parse_api_version_numbers(right);
  if (left_major != right_major) {
    return left_major < right_major ? -1 : 1;
  }
  if (left_minor != right_minor) {
    return left_minor < right_minor ? -1 : 1;
  }
  return 0;
}

DockerClient::DockerClient(DockerClientOptions options) : options_(std::move(options)) {
  initialize_curl_once();
}

CurlEasy DockerClient::make_handle(const std::string& versioned_path) const {
  CurlEasy handle(curl_easy_init());
  if (!handle) {
    return handle;
  }
  std::string url = kUrlBase + versioned_path;
  curl_easy_setopt(handle.get(), CURLOPT_UNIX_SOCKET_PATH, options_.socket_path.c_str());
  curl_easy_setopt(handle.get(), CURLOPT_URL, url.c_str());
  // Worker threads must not get SIGALRM from curl's resolver timeouts.
  curl_easy_setopt(handle.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle.get(), CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  return handle;
}

Result<std::string> DockerClient::api_prefix() {
  std::lock_guard lock(version_mutex_);
  if (!api_prefix_.empty()) {
    return api_prefix_;
  }

  HttpRequest request;
  request.path = "/version";
  request.operation = "read the Engine API version";
  auto reply = perform(request, request.path);
  if (!reply) {
    return reply.error();
  }
  auto daemon_version = parse_api_version(reply->body);
  if (!daemon_version) {
    return daemon_version.error();
  }

  std::string chosen = *daemon_version;
  if (compare_api_versions(chosen, options_.max_api_version) > 0) {
    chosen = options_.max_api_version;
  }
  if (compare_api_versions(chosen, kMinApiVersion) < 0) {
    return make_error(ErrorCode::kUnavailable,
                      "dockerd at unix socket " + options_.socket_path + " speaks Engine API " +
                          chosen + ", but raictl needs " + std::string(kMinApiVersion) +
                          " or later; upgrade to Docker 19.03 or later");
  }

  api_prefix_ = "/v" + chosen;
  component_logger("docker")->debug("socket={} api_version={} daemon_api_version={}",
                                    options_.socket_path, chosen, *daemon_version);
  return api_prefix_;
}

Result<HttpResponse> DockerClient::send(const HttpRequest& request) {
  auto prefix = api_prefix();
  if (!prefix) {
    return make_error(prefix.code(), request.operation + ": " + prefix.error().message);
  }
  return perform(request, *prefix + request.path);
}

Result<HttpResponse> DockerClient::perform(const HttpRequest& request,
                                           const std::string& versioned_path) {
  CurlEasy handle = make_handle(versioned_path);
  if (!handle) {
    return make_error(ErrorCode::kInternal, request.operation + ": curl_easy_init failed");
  }
  CURL* curl = handle.get();

  std::chrono::milliseconds timeout = request.timeout.value_or(options_.call_timeout);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));

  HttpResponse response;
  char error_text[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);

  // "Expect: 100-continue" would make curl wait before sending a large body.
  CurlList headers(curl_slist_append(nullptr, "Expect:"));
  if (request.upload != nullptr) {
    curl_slist_append(headers.get(), "Content-Type: application/x-tar");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_from_stream);
    curl_easy_setopt(curl, CURLOPT_READDATA, request.upload);
  } else if (request.method == "POST") {
    if (!request.body.empty()) {
      curl_slist_append(headers.get(), "Content-Type: application/json");
    }
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    return error_from_curl(code, error_text, request.operation, options_.socket_path, timeout);
  }

  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  bool success = (response.status >= 200 && response.status < 300) || response.status == 304;
  if (!success) {
    return error_from_docker_reply(response.status, response.body, request.operation);
  }
  return response;
}

}  // namespace raictl
