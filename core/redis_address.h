#pragma once

#include <chrono>
#include <string>

#include "core/result.h"

namespace raictl {

// The store's address. Parsed from `redis://host:port/db` or `unix:///path/to/socket?db=N`.
// The password never appears in a URL or on a command line: it comes from the environment
// (RAICTL_REDIS_PASSWORD) or from a file (RAICTL_REDIS_PASSWORD_FILE), and to_string()
// never prints it.
struct RedisAddress {
  std::string host;  // empty when unix_path is set
  int port = 6379;
  std::string unix_path;  // empty for TCP
  int database = 0;
  std::string password;  // empty: no AUTH
  std::chrono::milliseconds timeout{2000};

  bool is_unix() const { return !unix_path.empty(); }

  // The address as a URL, without the password; used in logs and error messages.
  std::string to_string() const;
};

// Parses a store URL. A URL with a password in it (`redis://:secret@host`) is rejected so
// that secrets do not end up in shell history and process listings.
Result<RedisAddress> parse_redis_url(const std::string& url);

// Parses the URL and then fills in the password from RAICTL_REDIS_PASSWORD, or else from
// the file named by RAICTL_REDIS_PASSWORD_FILE (trailing newline stripped).
Result<RedisAddress> redis_address_from_environment(const std::string& url);

}  // namespace raictl
