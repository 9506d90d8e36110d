#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/redis_address.h"
#include "core/redis_client.h"
#include "tests/support/temp_dir.h"

namespace raictl::testing {

// A private redis-server for one test: its own directory, a unix socket in it, and
// optionally a TCP port on 127.0.0.1 (for processes in other network namespaces or
// tools that need TCP). No persistence unless asked for. Stopped by pid in the destructor,
// so a failing test never leaves a server behind.
class RedisServer {
 public:
  struct Options {
    bool tcp = false;          // also listen on a free port of 127.0.0.1
    bool append_only = false;  // appendonly yes, for tests of restarts
  };

  RedisServer() : RedisServer(Options{}) {}
  explicit RedisServer(Options options);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Stops the server (SIGTERM, then SIGKILL after 5 s) and starts it again on the same
  // socket and directory; with append_only the data survives.
  void restart();
  void stop();
  void start();

  // The unix socket address; tcp_address() needs Options::tcp.
  RedisAddress address() const;
  RedisAddress tcp_address() const;
  std::string url() const { return address().to_string(); }

  // A fresh blocking connection; fails the test if it cannot connect.
  std::unique_ptr<RedisClient> connect() const;

  pid_t pid() const { return pid_; }

 private:
  void wait_until_ready();

  Options options_;
  TempDir dir_{"raictl-redis"};
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace raictl::testing
