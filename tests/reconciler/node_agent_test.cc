#include "reconciler/node_agent.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "core/keys.h"
#include "runtime/fake_runtime.h"
#include "tests/support/redis_server.h"

namespace raictl::reconciler {
namespace {

using std::chrono::milliseconds;

// Runs a whole NodeAgent against a private redis-server and a FakeRuntime. The agent stops
// only on SIGINT or SIGTERM, so stop() raises SIGTERM in this process, which libuv's
// handler catches while the agent runs.
class NodeAgentTest : public ::testing::Test {
 protected:
  NodeAgentTest() {
    options_.name = "node-1";
    options_.address = "node-1";  // not an IPv4 address: no overlay, no netlink changes
    options_.redis = server_.address();
    options_.heartbeat_interval = milliseconds(100);
    options_.resync_interval = milliseconds(60'000);
    options_.block_ms = 200;
  }

  ~NodeAgentTest() override {
    if (runner_.joinable()) {
      stop();
    }
  }

  NodeAgent& agent() {
    if (!agent_) {
      auto runtime = std::make_unique<FakeRuntime>();
      runtime_ = runtime.get();
      agent_ = std::make_unique<NodeAgent>(options_, std::move(runtime));
    }
    return *agent_;
  }

  void start() {
    agent();
    runner_ = std::thread([this] { exit_code_ = agent_->run(); });
  }

  int stop() {
    kill(getpid(), SIGTERM);
    runner_.join();
    return exit_code_;
  }

  // Polls `condition` until it is true or 10 s have passed.
  static bool eventually(const std::function<bool()>& condition) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) {
        return true;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return condition();
  }

  std::optional<nlohmann::json> record() {
    auto nodes = store_.nodes();
    if (!nodes || !nodes->contains("node-1")) {
      return std::nullopt;
    }
    return nodes->at("node-1");
  }

  int64_t heartbeat() {
    auto beats = store_.heartbeats();
    return beats && beats->contains("node-1") ? beats->at("node-1") : 0;
  }

  testing::RedisServer server_;
  std::unique_ptr<RedisClient> client_ = server_.connect();
  Store store_{*client_};
  NodeOptions options_;
  FakeRuntime* runtime_ = nullptr;  // owned by agent_
  std::unique_ptr<NodeAgent> agent_;
  std::thread runner_;
  int exit_code_ = -1;
};

TEST_F(NodeAgentTest, RefusesGraceUnderThreeHeartbeats) {
  ASSERT_TRUE(store_.put_cluster_settings({{"nodeGraceMs", 5000}}));
  options_.heartbeat_interval = milliseconds(2000);

  EXPECT_EQ(agent().run(), 2);
  EXPECT_FALSE(record()) << "a node that refuses to start must not register";
}

TEST_F(NodeAgentTest, RegistersOwnReportOnly) {
  ASSERT_TRUE(store_.put_node("node-1", {{"address", "192.0.2.9"}, {"unschedulable", true}}));
  ASSERT_TRUE(store_.put_cluster_settings({{"nodeGraceMs", 15'000}}));
  options_.cpu_millis = 1500;
  options_.memory_bytes = int64_t{2} << 30;
  start();

  // The old record has another address until the node registers over it.
  auto address = [&] { return record().value_or(nlohmann::json::object()).value("address", ""); };
  ASSERT_TRUE(eventually([&] { return address() == "node-1"; }));
  auto written = *record();
  EXPECT_EQ(written["cpuMillis"], 1500);
  EXPECT_EQ(written["memoryBytes"], int64_t{2} << 30);
  EXPECT_EQ(written["heartbeatIntervalMs"], 100);
  EXPECT_FALSE(written.contains("unschedulable")) << "cordons are not copied from the old record";
  EXPECT_EQ(stop(), 0);
}

TEST_F(NodeAgentTest, CapacityDefaultsToEngineReport) {
  start();

  ASSERT_TRUE(eventually([&] { return record().has_value(); }));
  EXPECT_EQ((*record())["cpuMillis"], 4000);
  EXPECT_EQ((*record())["memoryBytes"], int64_t{8} << 30);
  EXPECT_EQ(stop(), 0);
}

TEST_F(NodeAgentTest, HeartbeatsCarryServerTime) {
  auto before = store_.server_time_ms();
  ASSERT_TRUE(before);
  start();

  ASSERT_TRUE(eventually([&] { return heartbeat() > 0; }));
  int64_t registered = heartbeat();
  // Registration beats once; the loop's own beats must follow.
  ASSERT_TRUE(eventually([&] { return heartbeat() > registered; }));
  int64_t beat = heartbeat();
  auto after = store_.server_time_ms();
  ASSERT_TRUE(after);
  EXPECT_GE(beat, *before);
  EXPECT_LE(beat, *after);
  EXPECT_EQ(stop(), 0);
}

TEST_F(NodeAgentTest, FirstPassRemovesUnassignedContainer) {
  agent();
  ContainerConfig left_over;
  left_over.name = "web-1";
  left_over.image = "raictl/busybox:latest";
  left_over.labels = {{"raictl.managed", "true"}, {"raictl.assignment", "copy-1"}};
  auto id = runtime_->create_container(left_over);
  ASSERT_TRUE(id);
  ASSERT_TRUE(runtime_->start_container(*id));
  start();

  EXPECT_TRUE(eventually([&] { return !runtime_->inspect_container(*id).ok(); }));
  EXPECT_EQ(stop(), 0);
}

TEST_F(NodeAgentTest, ResyncRewritesOverwrittenStatus) {
  nlohmann::json entry = {
      {"uid", "uid-1"},           {"assignment", "copy-1"},
      {"generation", 1},          {"spec", {{"image", "raictl/busybox:latest"}}},
      {"ip", "10.89.0.11"},       {"pool", "default"},
      {"subnet", "10.89.0.0/24"}, {"gateway", "10.89.0.1"},
  };
  ASSERT_TRUE(client_->command({"HSET", keys::assignments("node-1"), "web-1", entry.dump()}));
  options_.resync_interval = milliseconds(200);
  start();
  auto phase = [&] {
    auto status = store_.get_status("web-1");
    return status && status->has_value() ? (**status).value("phase", "") : "";
  };
  ASSERT_TRUE(eventually([&] { return phase() == "Running"; }));

  // What the controller writes while it considers the host NotReady.
  ASSERT_TRUE(store_.put_status("web-1", {{"phase", "Unknown"}, {"reason", "NodeNotReady"}}));
  EXPECT_TRUE(eventually([&] { return phase() == "Running"; }));
  EXPECT_EQ(stop(), 0);
}

TEST(HeartbeatCommandTest, RunsStoreScriptStampedByServer) {
  auto command = heartbeat_command("node-1");
  ASSERT_EQ(command.size(), 5u);
  EXPECT_EQ(command[0], "EVAL");
  EXPECT_EQ(command[1], heartbeat_script_source());
  EXPECT_EQ(command[2], "1");
  EXPECT_EQ(command[3], keys::heartbeats());
  EXPECT_EQ(command[4], "node-1");

  testing::RedisServer server;
  auto client = server.connect();
  Store store(*client);
  auto reply = client->command(command);
  ASSERT_TRUE(reply) << reply.error().message;
  auto beats = store.heartbeats();
  ASSERT_TRUE(beats);
  EXPECT_EQ(beats->at("node-1"), reply->integer);
}

}  // namespace
}  // namespace raictl::reconciler
