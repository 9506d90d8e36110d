#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace raictl {

// Mapping of dockerd's failures to raictl errors. `operation` describes the call in
// words ("create container web-1") and starts every message, followed by Docker's own
// text, so the message names the image, container or network that Docker names.

// Returns the "message" field of a Docker error body, or the trimmed body when it is not
// JSON of that shape.
std::string docker_message(std::string_view body);

// Maps a non-2xx HTTP reply: 400 -> kInvalidArgument, 404 -> kNotFound, 409 and 403 (the
// operation conflicts with the object's state, for example a network with attached
// containers) -> kConflict, 503 -> kUnavailable, anything else -> kInternal.
Error error_from_docker_reply(long http_status, std::string_view body, std::string_view operation);

// Maps a transfer that failed before a complete reply arrived. A socket that cannot be
// reached or a connection that breaks is kUnavailable, and its message includes how to
// start dockerd. An expired timeout is kTimeout and a failed read of an upload is
// kInvalidArgument.
Error error_from_curl(CURLcode code, std::string_view curl_text, std::string_view operation,
                      std::string_view socket_path, std::chrono::milliseconds timeout);

}  // namespace raictl
