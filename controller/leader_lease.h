#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/redis_client.h"
#include "core/result.h"

namespace raictl::controller {

// The right to act for the whole cluster, held by one controller at a time: a Redis key with
// an expiry that the holder renews. A standby keeps trying and takes the key once it
// expires. Each new holder gets a larger token from a counter, and the key's value
// "<identity> <token>" is the fence that leader-only scripts compare, so a controller that
// paused past its expiry cannot write after a successor took over.
//
// Not thread-safe: one lease per controller loop.
class LeaderLease {
 public:
  using Clock = std::chrono::steady_clock;

  LeaderLease(RedisClient& client, std::string identity, std::chrono::milliseconds ttl);

  // Takes the lease when it is free, renews it when this process holds it. Returns whether
  // this process leads now. A Redis error is returned as such; valid() then turns false
  // once the last renewal is too old.
  Result<bool> acquire_or_renew();

  // True while no other controller can have taken over: the last successful renewal was
  // sent less than the TTL (minus a safety margin for Redis's expiry precision) ago. Checked
  // before each action, since renewals happen only between actions.
  bool valid() const;

  // Gives the lease up at once, so a standby need not wait for the expiry. Only the own
  // lease is deleted.
  void release();

  // "<identity> <token>" while leading, empty otherwise.
  const std::string& fence() const { return fence_; }
  const std::string& identity() const { return identity_; }
  std::chrono::milliseconds ttl() const { return ttl_; }

 private:
  RedisClient& client_;
  std::string identity_;
  std::chrono::milliseconds ttl_;
  LuaScript acquire_;
  LuaScript release_;
  std::string fence_;
  Clock::time_point renewed_at_{};
};

}  // namespace raictl::controller
