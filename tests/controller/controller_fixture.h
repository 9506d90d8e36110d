#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/keys.h"
#include "core/store.h"
#include "ipam/ipam.h"
#include "tests/support/redis_server.h"

namespace raictl::controller {

// A private redis-server with the pool "default" (10.89.0.0/24), and the writes that the
// tests make in place of raictl and the nodes.
class RedisFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ipam::PoolSpec pool;
    pool.name = "default";
    pool.cidr = *ipam::Cidr::parse("10.89.0.0/24");
    ASSERT_TRUE(ipam_.create_pool(pool));
  }

  // Writes a heartbeat `age_ms` old by the server's clock.
  void beat(const std::string& name, int64_t age_ms) {
    auto now = store_.server_time_ms();
    ASSERT_TRUE(now);
    ASSERT_TRUE(
        client_->command({"HSET", keys::heartbeats(), name, std::to_string(*now - age_ms)}));
  }

  // Applies a container and returns its uid.
  std::string apply(const std::string& name, nlohmann::json spec) {
    auto applied = store_.apply("Container", name, spec, {});
    EXPECT_TRUE(applied) << applied.error().message;
    return applied ? applied->uid : "";
  }

  // Returns the node's assignment entry of the container, or null.
  nlohmann::json copy(const std::string& node, const std::string& name) {
    auto all = store_.assignments(node);
    if (!all || !all->contains(name)) {
      return nullptr;
    }
    return all->at(name);
  }

  testing::RedisServer server_;
  std::unique_ptr<RedisClient> client_ = server_.connect();
  Store store_{*client_};
  ipam::Ipam ipam_{*client_};
};

}  // namespace raictl::controller
