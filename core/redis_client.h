#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/redis_address.h"
#include "core/result.h"

struct redisContext;
struct redisReply;

namespace raictl {

// An owned copy of one hiredis reply, so callers never touch hiredis memory.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray };

  Type type = Type::kNil;
  std::string text;  // kString and kStatus
  int64_t integer = 0;
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::kNil; }
  static RedisReply from_hiredis(const redisReply& reply);
};

// A blocking connection to Redis, for the CLI, the controller, tests and benchmarks. The
// node's libuv loop uses hiredis's async API instead (reconciler/).
//
// Not thread-safe: one connection per thread. The process must ignore SIGPIPE (every
// raictl binary does at startup), because hiredis writes with write(2) and a server that
// closed the connection would otherwise kill the process. A command that fails because the
// connection broke returns kUnavailable and the connection reconnects on the next command, so a
// Redis restart costs callers one failed command, not a restart of their own.
class RedisClient {
 public:
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Connects, authenticates and selects the database. kUnavailable names the address and
  // the cause; a wrong password is kInvalidArgument.
  static Result<std::unique_ptr<RedisClient>> connect(const RedisAddress& address);

  // Sends one command. A Redis error reply (for example WRONGTYPE or a Lua error) is
  // returned as kInternal with Redis's own text, unless the text starts with a raictl
  // error tag (see error_from_redis_text).
  Result<RedisReply> command(const std::vector<std::string>& argv);

  // Sends several commands in one round trip and returns their replies in order. The first
  // error reply fails the whole call; commands after it have still run.
  Result<std::vector<RedisReply>> pipeline(const std::vector<std::vector<std::string>>& commands);

  const RedisAddress& address() const { return address_; }

 private:
  explicit RedisClient(RedisAddress address);
  Status reconnect();
  Status ensure_connected();

  RedisAddress address_;
  redisContext* context_ = nullptr;
};

// Lua scripts report expected failures as error replies of the form
// "RAICTL <CODE> <message>" (CODE is one of INVALID, NOTFOUND, CONFLICT, EXHAUSTED), so
// that they reach C++ as typed errors. Redis 7 prefixes script errors with its own text;
// this finds the tag wherever it is. Any other text becomes kInternal.
Error error_from_redis_text(const std::string& text);

// A Lua script run by EVALSHA. The script is loaded on first use and loaded again when
// Redis replies NOSCRIPT (after a restart or SCRIPT FLUSH), so callers never see that.
class LuaScript {
 public:
  explicit LuaScript(std::string source);

  Result<RedisReply> run(RedisClient& client, const std::vector<std::string>& keys,
                         const std::vector<std::string>& args);

  const std::string& source() const { return source_; }

 private:
  Status load(RedisClient& client);

  std::string source_;
  std::string sha_;
};

}  // namespace raictl
