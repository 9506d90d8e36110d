#pragma once

#include <uv.h>

#include <functional>
#include <string>
#include <vector>

#include "core/redis_address.h"
#include "core/redis_client.h"

struct redisAsyncContext;

namespace raictl::reconciler {

// One hiredis async connection driven by a libuv loop, reconnecting by itself.
//
// hiredis frees its context when the connection drops, and its libuv adapter frees its
// poll handle only after libuv's close callback ran. So this class never touches a context
// after hiredis reported the disconnect, and it retries the connection from a timer.
//
// Loop thread only: every method, and every callback, runs on the loop that was passed in.
class AsyncRedis {
 public:
  using ReplyCallback = std::function<void(Result<RedisReply>)>;

  AsyncRedis(uv_loop_t* loop, RedisAddress address, std::string name);
  ~AsyncRedis();
  AsyncRedis(const AsyncRedis&) = delete;
  AsyncRedis& operator=(const AsyncRedis&) = delete;

  // Called on the loop after each successful connect (and AUTH/SELECT), so that the owner
  // can (re)start what it runs on the connection.
  void on_ready(std::function<void()> callback) { on_ready_ = std::move(callback); }

  void connect();

  // Sends a command; `callback` runs once with the reply, or with kUnavailable when the
  // connection is down or drops first. Returns false (and does not call back) when not
  // connected.
  bool command(const std::vector<std::string>& argv, ReplyCallback callback);

  bool connected() const { return context_ != nullptr && ready_; }

  // Disconnects and stops retrying; pending callbacks run with kUnavailable.
  void close();

 private:
  static void on_connect(const redisAsyncContext* context, int status);
  static void on_disconnect(const redisAsyncContext* context, int status);
  static void on_reply(redisAsyncContext* context, void* reply, void* data);
  void schedule_retry();
  void lost(const std::string& cause);

  uv_loop_t* loop_;
  RedisAddress address_;
  std::string name_;
  redisAsyncContext* context_ = nullptr;
  bool ready_ = false;
  bool closing_ = false;
  uv_timer_t* retry_timer_ = nullptr;  // freed in its close callback
  std::function<void()> on_ready_;
};

}  // namespace raictl::reconciler
