#include "core/redis_address.h"

#include <charconv>
#include <cstdlib>
#include <fstream>

#include "fmt/format.h"

namespace raictl {

namespace {

constexpr const char* kUrlHelp =
    "use redis://HOST:PORT/DB or unix:///PATH/TO/SOCKET?db=N, for example "
    "redis://127.0.0.1:6379/0";

Result<int> parse_number(std::string_view text, int min, int max, std::string_view what,
                         const std::string& url) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("invalid {} \"{}\" in Redis URL \"{}\": expected a number "
                                  "from {} to {}",
                                  what, text, url, min, max));
  }
  return value;
}

Result<RedisAddress> parse_tcp(const std::string& url, std::string_view rest) {
  RedisAddress address;

  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("Redis URL \"{}\" carries credentials: remove them and set "
                                  "RAICTL_REDIS_PASSWORD or RAICTL_REDIS_PASSWORD_FILE instead",
                                  url));
  }

  auto colon = authority.rfind(':');
  address.host = std::string(authority.substr(0, colon));
  if (address.host.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("Redis URL \"{}\" has no host: {}", url, kUrlHelp));
  }
  if (colon != std::string_view::npos) {
    auto port = parse_number(authority.substr(colon + 1), 1, 65535, "port", url);
    if (!port) {
      return port.error();
    }
    address.port = *port;
  }

  if (slash != std::string_view::npos && slash + 1 < rest.size()) {
    auto database = parse_number(rest.substr(slash + 1), 0, 15, "database", url);
    if (!database) {
      return database.error();
    }
    address.database = *database;
  }
  return address;
}

Result<RedisAddress> parse_unix(const std::string& url, std::string_view rest) {
  RedisAddress address;

  auto question = rest.find('?');
  address.unix_path = std::string(rest.substr(0, question));
  if (address.unix_path.empty() || address.unix_path.front() != '/') {
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("Redis URL \"{}\" needs an absolute socket path: {}", url, kUrlHelp));
  }

  if (question != std::string_view::npos) {
    std::string_view query = rest.substr(question + 1);
    if (!query.starts_with("db=")) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("unknown option \"{}\" in Redis URL \"{}\": only db=N is "
                                    "supported",
                                    query, url));
    }
    auto database = parse_number(query.substr(3), 0, 15, "database", url);
    if (!database) {
      return database.error();
    }
    address.database = *database;
  }
  return address;
}

}  // namespace

std::string RedisAddress::to_string() const {
  if (is_unix()) {
    return database == 0 ? fmt::format("unix://{}", unix_path)
                         : fmt::format("unix://{}?db={}", unix_path, database);
  }
  return fmt::format("redis://{}:{}/{}", host, port, database);
}

Result<RedisAddress> parse_redis_url(const std::string& url) {
  constexpr std::string_view kTcp = "redis://";
  constexpr std::string_view kUnix = "unix://";

  std::string_view view = url;
  if (view.starts_with(kTcp)) {
    return parse_tcp(url, view.substr(kTcp.size()));
  }
  if (view.starts_with(kUnix)) {
    return parse_unix(url, view.substr(kUnix.size()));
  }
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("invalid Redis URL \"{}\": {}", url, kUrlHelp));
}

Result<RedisAddress> redis_address_from_environment(const std::string& url) {
  auto address = parse_redis_url(url);
  if (!address) {
    return address;
  }

  if (const char* password = std::getenv("RAICTL_REDIS_PASSWORD"); password && *password) {
    address->password = password;
    return address;
  }

  const char* file = std::getenv("RAICTL_REDIS_PASSWORD_FILE");
  if (file == nullptr || *file == '\0') {
    return address;
  }
  std::ifstream in(file);
  if (!in) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("cannot read RAICTL_REDIS_PASSWORD_FILE \"{}\": check that the "
                                  "file exists and is readable",
                                  file));
  }
  std::getline(in, address->password);
  while (!address->password.empty() &&
         (address->password.back() == '\r' || address->password.back() == '\n')) {
    address->password.pop_back();
  }
  return address;
}

}  // namespace raictl
