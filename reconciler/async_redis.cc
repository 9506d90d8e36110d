#include "reconciler/async_redis.h"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "core/log.h"
#include "fmt/format.h"

namespace raictl::reconciler {

namespace {

constexpr uint64_t kRetryMs = 1000;

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = component_logger("node");
  return instance;
}

}  // namespace

AsyncRedis::AsyncRedis(uv_loop_t* loop, RedisAddress address, std::string name)
    : loop_(loop), address_(std::move(address)), name_(std::move(name)) {
  retry_timer_ = new uv_timer_t;
  uv_timer_init(loop_, retry_timer_);
  retry_timer_->data = this;
}

AsyncRedis::~AsyncRedis() {
  close();
}

void AsyncRedis::connect() {
  if (closing_ || context_ != nullptr) {
    return;
  }

  redisAsyncContext* context = address_.is_unix()
                                   ? redisAsyncConnectUnix(address_.unix_path.c_str())
                                   : redisAsyncConnect(address_.host.c_str(), address_.port);
  if (context == nullptr || context->err != 0) {
    std::string cause = context != nullptr ? context->errstr : "out of memory";
    if (context != nullptr) {
      redisAsyncFree(context);
    }
    lost(cause);
    return;
  }
  if (redisLibuvAttach(context, loop_) != REDIS_OK) {
    redisAsyncFree(context);
    lost("attaching to the event loop failed");
    return;
  }

  context->data = this;
  context_ = context;
  redisAsyncSetConnectCallback(context_, &AsyncRedis::on_connect);
  redisAsyncSetDisconnectCallback(context_, &AsyncRedis::on_disconnect);
}

void AsyncRedis::on_connect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<AsyncRedis*>(context->data);
  if (self == nullptr) {
    return;  // closed while connecting
  }
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback returns.
    self->context_ = nullptr;
    self->lost(context->errstr);
    return;
  }

  std::vector<std::vector<std::string>> setup;
  if (!self->address_.password.empty()) {
    setup.push_back({"AUTH", self->address_.password});
  }
  if (self->address_.database != 0) {
    setup.push_back({"SELECT", std::to_string(self->address_.database)});
  }
  setup.push_back({"PING"});

  // hiredis sends in order, so commands queued from now on run after AUTH and SELECT.
  self->ready_ = true;
  for (size_t i = 0; i < setup.size(); ++i) {
    bool last = i + 1 == setup.size();
    std::string where = self->name_ + " " + self->address_.to_string();
    self->command(setup[i], [self, last, where, what = setup[i][0]](Result<RedisReply> reply) {
      // On failure `self` may be closing: use only the copied strings.
      if (!reply) {
        logger()->error("redis={} {} failed: {}", where, what, reply.error().message);
        return;
      }
      if (last) {
        logger()->info("redis={} connected to {}", self->name_, self->address_.to_string());
        if (self->on_ready_) {
          self->on_ready_();
        }
      }
    });
  }
}

void AsyncRedis::on_disconnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<AsyncRedis*>(context->data);
  if (self == nullptr) {
    return;  // closed by us; the object may already be gone
  }
  self->context_ = nullptr;
  self->ready_ = false;
  self->lost(status == REDIS_OK ? "connection closed" : context->errstr);
}

void AsyncRedis::lost(const std::string& cause) {
  ready_ = false;
  logger()->warn("redis={} {} unavailable, retrying in {} ms: {}", name_, address_.to_string(),
                 kRetryMs, cause);
  schedule_retry();
}

void AsyncRedis::schedule_retry() {
  if (closing_) {
    return;
  }
  uv_timer_start(
      retry_timer_, [](uv_timer_t* timer) { static_cast<AsyncRedis*>(timer->data)->connect(); },
      kRetryMs, 0);
}

bool AsyncRedis::command(const std::vector<std::string>& argv, ReplyCallback callback) {
  if (context_ == nullptr || !ready_) {
    return false;
  }

  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  for (const auto& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* data = new ReplyCallback(std::move(callback));
  int status =
      redisAsyncCommandArgv(context_, &AsyncRedis::on_reply, data, static_cast<int>(argv.size()),
                            pointers.data(), lengths.data());
  if (status != REDIS_OK) {
    delete data;
    return false;
  }
  return true;
}

void AsyncRedis::on_reply(redisAsyncContext* context, void* raw, void* data) {
  std::unique_ptr<ReplyCallback> callback(static_cast<ReplyCallback*>(data));
  auto* reply = static_cast<redisReply*>(raw);
  auto* self = static_cast<AsyncRedis*>(context->data);

  if (reply == nullptr) {
    (*callback)(make_error(ErrorCode::kUnavailable,
                           fmt::format("connection to Redis at {} lost",
                                       self != nullptr ? self->address_.to_string() : "?")));
    return;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    (*callback)(error_from_redis_text(std::string(reply->str, reply->len)));
    return;
  }
  (*callback)(RedisReply::from_hiredis(*reply));
}

void AsyncRedis::close() {
  if (closing_) {
    return;
  }
  closing_ = true;
  uv_timer_stop(retry_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(retry_timer_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
  if (context_ != nullptr) {
    // hiredis may finish the disconnect after this object is gone (it first waits for
    // pending replies), so its callbacks must not find us through `data` any more.
    context_->data = nullptr;
    redisAsyncDisconnect(context_);
    context_ = nullptr;
  }
}

}  // namespace raictl::reconciler
