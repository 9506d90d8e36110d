#include "core/redis_client.h"

#include <gtest/gtest.h>

#include "tests/support/redis_server.h"

namespace raictl {
namespace {

TEST(RedisClientTest, RunsCommandsAndPipelines) {
  testing::RedisServer server;
  auto client = server.connect();
  ASSERT_TRUE(client);

  auto set = client->command({"SET", "k", "v"});
  ASSERT_TRUE(set) << set.error().message;
  auto replies = client->pipeline({{"GET", "k"}, {"INCR", "n"}, {"GET", "missing"}});
  ASSERT_TRUE(replies) << replies.error().message;
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[0].text, "v");
  EXPECT_EQ((*replies)[1].integer, 1);
  EXPECT_TRUE((*replies)[2].is_nil());
}

TEST(RedisClientTest, TurnsTaggedScriptErrorsIntoTypedErrors) {
  testing::RedisServer server;
  auto client = server.connect();
  LuaScript script("return redis.error_reply('RAICTL CONFLICT name web-1 is taken')");

  auto reply = script.run(*client, {}, {});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.code(), ErrorCode::kConflict);
  EXPECT_EQ(reply.error().message, "name web-1 is taken");
}

TEST(RedisClientTest, ReloadsScriptAfterFlush) {
  testing::RedisServer server;
  auto client = server.connect();
  LuaScript script("return 42");

  ASSERT_EQ(script.run(*client, {}, {})->integer, 42);
  ASSERT_TRUE(client->command({"SCRIPT", "FLUSH"}));
  auto again = script.run(*client, {}, {});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->integer, 42);
}

TEST(RedisClientTest, ReconnectsAfterServerRestart) {
  testing::RedisServer server;
  auto client = server.connect();
  ASSERT_TRUE(client->command({"PING"}));

  server.restart();
  auto first = client->command({"PING"});
  auto second = first ? std::move(first) : client->command({"PING"});
  EXPECT_TRUE(second) << second.error().message;
}

TEST(RedisClientTest, UnreachableServerNamesAddress) {
  RedisAddress address;
  address.unix_path = "/nonexistent/raictl.sock";
  auto client = RedisClient::connect(address);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.code(), ErrorCode::kUnavailable);
  EXPECT_NE(client.error().message.find("unix:///nonexistent/raictl.sock"), std::string::npos);
}

}  // namespace
}  // namespace raictl
