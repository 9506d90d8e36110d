#include "runtime/docker_error.h"

#include <nlohmann/json.hpp>

namespace raictl {

namespace {

std::string_view trim(std::string_view text) {
  const char* space = " \t\r\n";
  size_t first = text.find_first_not_of(space);
  if (first == std::string_view::npos) {
    return {};
  }
  size_t last = text.find_last_not_of(space);
  return text.substr(first, last - first + 1);
}

ErrorCode code_from_http_status(long http_status) {
  switch (http_status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 404:
      return ErrorCode::kNotFound;
    case 403:
    case 409:
      return ErrorCode::kConflict;
    case 503:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

std::string prefixed(std::string_view operation, std::string_view text) {
  return std::string(operation) + ": " + std::string(text);
}

}  // namespace

std::string docker_message(std::string_view body) {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    auto message = parsed.find("message");
    if (message != parsed.end() && message->is_string()) {
      return message->get<std::string>();
    }
  }
  return std::string(trim(body));
}

Error error_from_docker_reply(long http_status, std::string_view body, std::string_view operation) {
  ErrorCode code = code_from_http_status(http_status);
  std::string message = docker_message(body);
  if (message.empty()) {
    message = "dockerd replied HTTP " + std::to_string(http_status) + " without a message";
  } else if (code == ErrorCode::kInternal) {
    message += " (HTTP " + std::to_string(http_status) + ")";
  }
  return make_error(code, prefixed(operation, message));
}

Error error_from_curl(CURLcode code, std::string_view curl_text, std::string_view operation,
                      std::string_view socket_path, std::chrono::milliseconds timeout) {
  std::string cause = curl_text.empty() ? curl_easy_strerror(code) : std::string(curl_text);
  std::string start_hint =
      "; is dockerd running? start it with scripts/dockerd.sh start --dir DIR or systemctl "
      "start docker";

  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return make_error(
          ErrorCode::kUnavailable,
          prefixed(operation, "cannot connect to dockerd at unix socket " +
                                  std::string(socket_path) + " (" + cause + ")" + start_hint));
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
      return make_error(
          ErrorCode::kUnavailable,
          prefixed(operation, "dockerd at unix socket " + std::string(socket_path) +
                                  " closed the connection (" + cause + ")" + start_hint));
    case CURLE_OPERATION_TIMEDOUT:
      return make_error(
          ErrorCode::kTimeout,
          prefixed(operation, "no reply from dockerd at unix socket " + std::string(socket_path) +
                                  " within " + std::to_string(timeout.count()) + " ms (" + cause +
                                  ")"));
    case CURLE_READ_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
      return make_error(ErrorCode::kInvalidArgument,
                        prefixed(operation, "reading the request body failed (" + cause + ")"));
    default:
      return make_error(
          ErrorCode::kInternal,
          prefixed(operation, "request to dockerd at unix socket " + std::string(socket_path) +
                                  " failed (" + cause + ")"));
  }
}

}  // namespace raictl
