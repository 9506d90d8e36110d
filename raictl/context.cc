#include "raictl/context.h"

#include <chrono>

#include "core/log.h"
#include "core/redis_address.h"

namespace raictl::cli {

namespace {

constexpr std::chrono::milliseconds kConnectTimeout{2000};

}  // namespace

Context::Context(std::unique_ptr<RedisClient> client)
    : client_(std::move(client)), store_(*client_), ipam_(*client_) {}

Result<std::unique_ptr<Context>> Context::connect(const std::string& url) {
  auto address = redis_address_from_environment(url);
  if (!address) {
    return address.error();
  }
  return connect(*address);
}

Result<std::unique_ptr<Context>> Context::connect(const RedisAddress& address) {
  RedisAddress bounded = address;
  bounded.timeout = kConnectTimeout;

  auto client = RedisClient::connect(bounded);
  if (!client) {
    component_logger("raictl")->debug("redis={} connect failed: {}", bounded.to_string(),
                                      client.error().message);
    return client.error();
  }
  return std::unique_ptr<Context>(new Context(std::move(client).value()));
}

int fail(std::ostream& err, const std::string& message) {
  err << "Error: " << message << "\n";
  return 1;
}

}  // namespace raictl::cli
