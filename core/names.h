#pragma once

#include <string_view>

#include "core/result.h"

namespace raictl {

// Syntax checks for the names that appear in manifests. Each returns Ok or a
// kInvalidArgument error whose message names the value, the rule it breaks and, where one
// can be derived, a valid example. None of them touches the store or Docker.

// Maximum length of a DNS-1123 label (RFC 1123), and so of every object name.
inline constexpr size_t kMaxNameLength = 63;

// Checks a DNS-1123 label: 1 to 63 characters, lowercase letters, digits and '-', starting
// and ending with a letter or digit. `subject` names the value in the message, for example
// "pool name" or "node name".
Status validate_dns1123_label(std::string_view value, std::string_view subject);

// Checks a container name: a DNS-1123 label of at least 2 characters, because dockerd
// rejects one-character container names (the pattern in moby's daemon/names/names.go needs
// two characters).
Status validate_container_name(std::string_view name);

// Checks a label key in the Kubernetes form `[prefix/]name`. The name has 1 to 63 letters,
// digits, '-', '_' or '.', and starts and ends with a letter or digit. The optional prefix
// is a DNS-1123 subdomain of at most 253 characters.
Status validate_label_key(std::string_view key);

// Checks a label value: empty, or at most 63 letters, digits, '-', '_' and '.' that start
// and end with a letter or digit. `key` is only used in the message.
Status validate_label_value(std::string_view key, std::string_view value);

// Checks an image reference as `docker pull` accepts it: `[registry[:port]/]path[:tag]`
// with an optional digest `@sha256:<64 hex>` (or sha384, sha512). Path components are
// lowercase, the tag has at most 128 characters, and the name at most 255.
// NOTE: bracketed IPv6 registry hosts (`[::1]:5000/app`) are rejected.
Status validate_image_reference(std::string_view image);

// Checks an environment variable name: a letter or '_' followed by letters, digits and
// '_' (the portable POSIX form that every shell can expand).
Status validate_env_name(std::string_view name);

}  // namespace raictl
