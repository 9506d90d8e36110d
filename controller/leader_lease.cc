#include "controller/leader_lease.h"

#include "core/keys.h"
#include "core/log.h"

namespace raictl::controller {

namespace {

// KEYS: leader, epoch. ARGV: identity, ttl in ms, this process's current fence ('' if none).
// Returns the fence after the call, or nil when another controller has the lease.
constexpr const char* kAcquireScript = R"lua(
local current = redis.call('GET', KEYS[1])
if current then
  if current ~= ARGV[3] then
    return false
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return current
end
local token = redis.call('INCR', KEYS[2])
local fence = ARGV[1] .. ' ' .. token
redis.call('SET', KEYS[1], fence, 'PX', ARGV[2])
return fence
)lua";

// KEYS: leader. ARGV: fence.
constexpr const char* kReleaseScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua";

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = component_logger("controller");
  return instance;
}

}  // namespace

LeaderLease::LeaderLease(RedisClient& client, std::string identity, std::chrono::milliseconds ttl)
    : client_(client),
      identity_(std::move(identity)),
      ttl_(ttl),
      acquire_(kAcquireScript),
      release_(kReleaseScript) {}

Result<bool> LeaderLease::acquire_or_renew() {
  // Taken before the call: the key's expiry starts later than this, so the local deadline
  // errs on the safe side.
  auto sent_at = Clock::now();
  auto reply = acquire_.run(client_, {keys::leader(), keys::leader_epoch()},
                            {identity_, std::to_string(ttl_.count()), fence_});
  if (!reply) {
    return reply.error();
  }

  if (reply->is_nil() || reply->text.empty()) {
    if (!fence_.empty()) {
      logger()->warn("controller={} lost the leader lease {}", identity_, fence_);
    }
    fence_.clear();
    return false;
  }
  if (fence_ != reply->text) {
    logger()->info("controller={} took the leader lease {}", identity_, reply->text);
  }
  fence_ = reply->text;
  renewed_at_ = sent_at;
  return true;
}

bool LeaderLease::valid() const {
  if (fence_.empty()) {
    return false;
  }
  // A tenth of the TTL as a margin, because Redis expires keys with about a millisecond of
  // precision and the clocks of this host and the Redis host may run at slightly different
  // rates.
  auto margin = ttl_ / 10;
  return Clock::now() < renewed_at_ + ttl_ - margin;
}

void LeaderLease::release() {
  if (fence_.empty()) {
    return;
  }
  if (auto reply = release_.run(client_, {keys::leader()}, {fence_}); !reply) {
    logger()->warn("controller={} could not release the leader lease, it expires in {} ms: {}",
                   identity_, ttl_.count(), reply.error().message);
  }
  fence_.clear();
}

}  // namespace raictl::controller
