#include "core/redis_address.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace raictl {
namespace {

TEST(RedisAddressTest, ParsesTcpUrlWithDatabase) {
  auto address = parse_redis_url("redis://10.200.0.1:6380/3");
  ASSERT_TRUE(address) << address.error().message;
  EXPECT_EQ(address->host, "10.200.0.1");
  EXPECT_EQ(address->port, 6380);
  EXPECT_EQ(address->database, 3);
  EXPECT_FALSE(address->is_unix());
}

TEST(RedisAddressTest, DefaultsPortAndDatabase) {
  auto address = parse_redis_url("redis://localhost");
  ASSERT_TRUE(address) << address.error().message;
  EXPECT_EQ(address->port, 6379);
  EXPECT_EQ(address->database, 0);
}

TEST(RedisAddressTest, ParsesUnixSocketWithDatabase) {
  auto address = parse_redis_url("unix:///run/redis/redis.sock?db=2");
  ASSERT_TRUE(address) << address.error().message;
  EXPECT_EQ(address->unix_path, "/run/redis/redis.sock");
  EXPECT_EQ(address->database, 2);
  EXPECT_EQ(address->to_string(), "unix:///run/redis/redis.sock?db=2");
}

TEST(RedisAddressTest, RejectsMalformedUrls) {
  const char* cases[] = {
      "http://localhost:6379", "redis://:6379",          "redis://host:0",
      "redis://host:70000",    "redis://host:6379/16",   "redis://host:port",
      "unix://relative.sock",  "unix:///tmp/r.sock?x=1",
  };
  for (const char* url : cases) {
    auto address = parse_redis_url(url);
    ASSERT_FALSE(address) << url;
    EXPECT_EQ(address.code(), ErrorCode::kInvalidArgument) << url;
    EXPECT_NE(address.error().message.find(url), std::string::npos) << address.error().message;
  }
}

TEST(RedisAddressTest, RejectsPasswordInUrl) {
  auto address = parse_redis_url("redis://:secret@localhost:6379");
  ASSERT_FALSE(address);
  EXPECT_NE(address.error().message.find("RAICTL_REDIS_PASSWORD"), std::string::npos);
}

TEST(RedisAddressTest, ReadsPasswordFromEnvironment) {
  setenv("RAICTL_REDIS_PASSWORD", "s3cret", 1);
  auto address = redis_address_from_environment("redis://localhost");
  unsetenv("RAICTL_REDIS_PASSWORD");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->password, "s3cret");
  EXPECT_EQ(address->to_string().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace raictl
