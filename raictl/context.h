#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "core/redis_client.h"
#include "core/result.h"
#include "core/store.h"
#include "ipam/ipam.h"

namespace raictl::cli {

// The connection every command works through: one Redis client with the Store and Ipam
// built on it. Owns the client. Not thread-safe, like the client.
class Context {
 public:
  // Connects to the store named by `url` (redis://HOST:PORT/DB or unix:///PATH?db=N), with
  // the password from RAICTL_REDIS_PASSWORD or RAICTL_REDIS_PASSWORD_FILE and a 2 s connect
  // timeout. kUnavailable names the address when Redis cannot be reached.
  static Result<std::unique_ptr<Context>> connect(const std::string& url);

  // Wraps an address that is already parsed, for tests.
  static Result<std::unique_ptr<Context>> connect(const RedisAddress& address);

  Store& store() { return store_; }
  ipam::Ipam& ipam() { return ipam_; }
  RedisClient& client() { return *client_; }

 private:
  explicit Context(std::unique_ptr<RedisClient> client);

  std::unique_ptr<RedisClient> client_;
  Store store_;
  ipam::Ipam ipam_;
};

// Prints "Error: <message>" on one line, the form every command uses, and returns exit
// code 1 so that callers can `return fail(err, ...)`.
int fail(std::ostream& err, const std::string& message);

}  // namespace raictl::cli
