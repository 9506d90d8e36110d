#include "core/redis_client.h"

#include <hiredis/hiredis.h>

#include <cstring>

#include "fmt/format.h"

namespace raictl {

namespace {

timeval to_timeval(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return tv;
}

Error unavailable(const RedisAddress& address, const std::string& cause) {
  return make_error(ErrorCode::kUnavailable,
                    fmt::format("cannot reach Redis at {}: {}; check that redis-server is "
                                "running and that --redis or RAICTL_REDIS points at it",
                                address.to_string(), cause));
}

}  // namespace

RedisReply RedisReply::from_hiredis(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = Type::kString;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Type::kStatus;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Type::kInteger;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Type::kArray;
      out.elements.reserve(reply.elements);
      for (size_t i = 0; i < reply.elements; ++i) {
        out.elements.push_back(from_hiredis(*reply.element[i]));
      }
      break;
    default:
      out.type = Type::kNil;
      break;
  }
  return out;
}

Error error_from_redis_text(const std::string& text) {
  struct Tag {
    const char* name;
    ErrorCode code;
  };
  static constexpr Tag kTags[] = {
      {"RAICTL INVALID ", ErrorCode::kInvalidArgument},
      {"RAICTL NOTFOUND ", ErrorCode::kNotFound},
      {"RAICTL CONFLICT ", ErrorCode::kConflict},
      {"RAICTL EXHAUSTED ", ErrorCode::kExhausted},
      {"RAICTL FENCED ", ErrorCode::kFenced},
  };

  for (const auto& tag : kTags) {
    auto at = text.find(tag.name);
    if (at == std::string::npos) {
      continue;
    }
    std::string message = text.substr(at + std::strlen(tag.name));
    // Redis appends " script: <sha>, on @user_script:..." to errors raised from Lua.
    if (auto suffix = message.find(" script: "); suffix != std::string::npos) {
      message.erase(suffix);
    }
    return make_error(tag.code, message);
  }
  return make_error(ErrorCode::kInternal, fmt::format("Redis error: {}", text));
}

RedisClient::RedisClient(RedisAddress address) : address_(std::move(address)) {}

RedisClient::~RedisClient() {
  if (context_ != nullptr) {
    redisFree(context_);
  }
}

Result<std::unique_ptr<RedisClient>> RedisClient::connect(const RedisAddress& address) {
  std::unique_ptr<RedisClient> client(new RedisClient(address));
  if (auto status = client->reconnect(); !status) {
    return status.error();
  }
  return client;
}

Status RedisClient::reconnect() {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }

  timeval timeout = to_timeval(address_.timeout);
  redisContext* context =
      address_.is_unix() ? redisConnectUnixWithTimeout(address_.unix_path.c_str(), timeout)
                         : redisConnectWithTimeout(address_.host.c_str(), address_.port, timeout);
  if (context == nullptr) {
    return unavailable(address_, "out of memory");
  }
  if (context->err != 0) {
    std::string cause = context->errstr;
    redisFree(context);
    return unavailable(address_, cause);
  }
  redisSetTimeout(context, timeout);
  context_ = context;

  if (!address_.password.empty()) {
    auto reply = command({"AUTH", address_.password});
    if (!reply) {
      redisFree(context_);
      context_ = nullptr;
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("Redis at {} rejected the password: check "
                                    "RAICTL_REDIS_PASSWORD or RAICTL_REDIS_PASSWORD_FILE",
                                    address_.to_string()));
    }
  }
  if (address_.database != 0) {
    auto reply = command({"SELECT", std::to_string(address_.database)});
    if (!reply) {
      return reply.error();
    }
  }
  return Status::Ok();
}

Status RedisClient::ensure_connected() {
  if (context_ != nullptr && context_->err == 0) {
    return Status::Ok();
  }
  return reconnect();
}

Result<RedisReply> RedisClient::command(const std::vector<std::string>& argv) {
  auto batch = pipeline({argv});
  if (!batch) {
    return batch.error();
  }
  return std::move(batch->front());
}

Result<std::vector<RedisReply>> RedisClient::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (auto status = ensure_connected(); !status) {
    return status.error();
  }

  for (const auto& argv : commands) {
    std::vector<const char*> pointers;
    std::vector<size_t> lengths;
    pointers.reserve(argv.size());
    lengths.reserve(argv.size());
    for (const auto& arg : argv) {
      pointers.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    redisAppendCommandArgv(context_, static_cast<int>(argv.size()), pointers.data(),
                           lengths.data());
  }

  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  Error first_error;
  bool failed = false;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      std::string cause = context_->errstr[0] != '\0' ? context_->errstr : "connection lost";
      // Force a reconnect on the next call: a half-read pipeline cannot be resumed.
      context_->err = context_->err == 0 ? REDIS_ERR_IO : context_->err;
      return unavailable(address_, cause);
    }
    std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw),
                                                                  freeReplyObject);
    if (reply->type == REDIS_REPLY_ERROR && !failed) {
      failed = true;
      first_error = error_from_redis_text(std::string(reply->str, reply->len));
      continue;
    }
    replies.push_back(RedisReply::from_hiredis(*reply));
  }
  if (failed) {
    return first_error;
  }
  return replies;
}

LuaScript::LuaScript(std::string source) : source_(std::move(source)) {}

Status LuaScript::load(RedisClient& client) {
  auto reply = client.command({"SCRIPT", "LOAD", source_});
  if (!reply) {
    return reply.error();
  }
  sha_ = reply->text;
  return Status::Ok();
}

Result<RedisReply> LuaScript::run(RedisClient& client, const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args) {
  if (sha_.empty()) {
    if (auto status = load(client); !status) {
      return status.error();
    }
  }

  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(sha_);
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());

  auto reply = client.command(argv);
  if (!reply && reply.code() == ErrorCode::kInternal &&
      reply.error().message.find("NOSCRIPT") != std::string::npos) {
    if (auto status = load(client); !status) {
      return status.error();
    }
    argv[1] = sha_;
    reply = client.command(argv);
  }
  return reply;
}

}  // namespace raictl
