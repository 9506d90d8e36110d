#include "tests/support/redis_server.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace raictl::testing {

namespace {

// Waits up to `limit` for the child to exit; returns true if it did.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid || done < 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

RedisServer::RedisServer(Options options) : options_(options) {
  // Writing to a connection the server closed must fail with EPIPE, not kill the test.
  signal(SIGPIPE, SIG_IGN);
  if (options_.tcp) {
    port_ = free_tcp_port();
  }
  start();
}

RedisServer::~RedisServer() {
  stop();
}

void RedisServer::start() {
  std::vector<std::string> args = {
      "redis-server",
      "--port",
      std::to_string(port_),
      "--bind",
      "127.0.0.1",
      "--unixsocket",
      dir_.file("redis.sock"),
      "--unixsocketperm",
      "700",
      "--dir",
      dir_.path(),
      "--save",
      "",
      "--appendonly",
      options_.append_only ? "yes" : "no",
      "--logfile",
      dir_.file("redis.log"),
      "--daemonize",
      "no",
  };

  pid_ = fork();
  if (pid_ < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    // A test killed by ctest's timeout must not leave its server behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> argv;
    for (auto& arg : args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    execvp("redis-server", argv.data());
    _exit(127);
  }
  wait_until_ready();
}

void RedisServer::stop() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGTERM);
  if (!wait_for_exit(pid_, std::chrono::seconds(5))) {
    kill(pid_, SIGKILL);
    wait_for_exit(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
}

void RedisServer::restart() {
  stop();
  start();
}

void RedisServer::wait_until_ready() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    auto client = RedisClient::connect(address());
    if (client) {
      auto pong = (*client)->command({"PING"});
      if (pong) {
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("redis-server did not answer within 10 s; see " +
                           dir_.file("redis.log"));
}

RedisAddress RedisServer::address() const {
  RedisAddress address;
  address.unix_path = dir_.file("redis.sock");
  return address;
}

RedisAddress RedisServer::tcp_address() const {
  RedisAddress address;
  address.host = "127.0.0.1";
  address.port = port_;
  return address;
}

std::unique_ptr<RedisClient> RedisServer::connect() const {
  auto client = RedisClient::connect(address());
  if (!client) {
    ADD_FAILURE() << client.error().message;
    return nullptr;
  }
  return std::move(client).value();
}

}  // namespace raictl::testing
