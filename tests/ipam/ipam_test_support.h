#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ipam/ipam.h"
#include "tests/support/redis_server.h"

namespace raictl::ipam {

// A private redis-server, one connection and an Ipam on it.
class IpamFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = server_.connect();
    ASSERT_TRUE(client_);
    ipam_ = std::make_unique<Ipam>(*client_);
  }

  static Cidr cidr(const char* text) {
    auto parsed = Cidr::parse(text);
    EXPECT_TRUE(parsed) << text << ": " << parsed.error().message;
    return parsed ? *parsed : Cidr();
  }

  static Ipv4 ip(const char* text) {
    auto parsed = Ipv4::parse(text);
    EXPECT_TRUE(parsed) << text << ": " << parsed.error().message;
    return parsed ? *parsed : Ipv4();
  }

  static Owner container(const std::string& name, const std::string& uid = "") {
    return Owner{"container", name, uid.empty() ? "uid-" + name : uid};
  }

  // Creates a pool and fails the test if that fails.
  void create(const std::string& name, const char* network,
              std::optional<Ipv4> gateway = std::nullopt, std::optional<Cidr> range = std::nullopt,
              std::vector<Cidr> exclude = {}) {
    auto layout = ipam_->create_pool(PoolSpec{name, cidr(network), gateway, range, exclude});
    ASSERT_TRUE(layout) << layout.error().message;
  }

  void expect_consistent() {
    auto problems = ipam_->check();
    ASSERT_TRUE(problems) << problems.error().message;
    for (const auto& problem : *problems) {
      ADD_FAILURE() << problem;
    }
  }

  raictl::testing::RedisServer server_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<Ipam> ipam_;
};

}  // namespace raictl::ipam
