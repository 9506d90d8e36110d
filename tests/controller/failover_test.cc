// The controller against a real redis-server: lost and drained hosts, fencing of old
// copies' addresses, atomic capacity and the leader lease. No Docker: the tests play the
// nodes by writing heartbeats and confirmations themselves.
#include <gtest/gtest.h>

#include <thread>

#include "controller/controller.h"
#include "controller/leader_lease.h"
#include "core/keys.h"
#include "ipam/ipam.h"
#include "tests/controller/controller_fixture.h"
#include "tests/support/redis_server.h"

namespace raictl::controller {
namespace {

constexpr int64_t kGi = 1024LL * 1024 * 1024;

ControllerOptions fast_options() {
  ControllerOptions options;
  options.node_grace = std::chrono::milliseconds(3000);
  options.heartbeat_interval = std::chrono::milliseconds(1000);
  return options;
}

class FailoverTest : public RedisFixture {
 protected:
  void add_node(const std::string& name, int64_t memory_bytes = 4 * kGi,
                std::map<std::string, std::string> labels = {}) {
    nlohmann::json record = {{"name", name},
                             {"address", "127.0.0.1"},
                             {"cpuMillis", 4000},
                             {"memoryBytes", memory_bytes},
                             {"labels", labels}};
    ASSERT_TRUE(store_.put_node(name, record));
    beat(name, 0);
  }

  std::string placed_on(const std::string& name) {
    auto node = store_.placement(name);
    return node && node->has_value() ? **node : "";
  }

  std::vector<ipam::Reservation> held() {
    std::vector<ipam::Reservation> out;
    auto state = ipam_.allocations("default");
    EXPECT_TRUE(state);
    for (const auto& reservation : state->reservations) {
      if (reservation.holder.starts_with("held/")) {
        out.push_back(reservation);
      }
    }
    return out;
  }

  // What a returning host does for an evicted or deleted copy.
  void confirm(Controller& controller, const std::string& node, const std::string& name) {
    auto entry = copy(node, name);
    ASSERT_FALSE(entry.is_null());
    ASSERT_TRUE(controller.handle_removal(node, name, entry["uid"], entry["assignment"]));
  }

  Controller controller_{*client_, fast_options()};
};

TEST_F(FailoverTest, LostHostMovesContainersAndHoldsAddresses) {
  add_node("node-1");
  apply("web-1", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  std::string old_ip = copy("node-1", "web-1")["ip"];
  add_node("node-2");

  beat("node-1", 10'000);
  ASSERT_TRUE(controller_.monitor_nodes());

  EXPECT_EQ(placed_on("web-1"), "node-2");
  auto moved = copy("node-2", "web-1");
  EXPECT_NE(moved["ip"], old_ip);
  auto old_copy = copy("node-1", "web-1");
  EXPECT_EQ(old_copy["evicted"], true);
  EXPECT_EQ(old_copy["deleting"], true);
  ASSERT_EQ(held().size(), 1u);
  EXPECT_EQ(held()[0].address.to_string(), old_ip);
  EXPECT_EQ(store_.node_conditions()->at("node-1")["ready"], false);
  EXPECT_TRUE(ipam_.check()->empty());

  // The host returns, removes its old copy and confirms: only then is the address free.
  beat("node-1", 0);
  confirm(controller_, "node-1", "web-1");
  EXPECT_TRUE(copy("node-1", "web-1").is_null());
  EXPECT_TRUE(held().empty());
  EXPECT_EQ(placed_on("web-1"), "node-2");
  EXPECT_EQ(ipam_.usage("default")->used, 1u);
}

TEST_F(FailoverTest, LateHeartbeatMovesNothing) {
  add_node("node-1");
  add_node("node-2");
  apply("web-1", {{"image", "busybox"}, {"node", "node-1"}});
  apply("web-2", {{"image", "busybox"}, {"nodeSelector", nlohmann::json::object()}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  ASSERT_TRUE(controller_.reconcile_container("web-2"));
  std::string web2_node = placed_on("web-2");

  // Two heartbeats missed out of a grace of three.
  beat(web2_node, 2'000);
  ASSERT_TRUE(controller_.monitor_nodes());
  EXPECT_EQ(placed_on("web-2"), web2_node);
  EXPECT_TRUE(held().empty());
}

TEST_F(FailoverTest, PinnedContainerWaitsForHost) {
  add_node("node-1");
  add_node("node-2");
  apply("db", {{"image", "busybox"}, {"node", "node-1"}});
  ASSERT_TRUE(controller_.reconcile_container("db"));

  beat("node-1", 10'000);
  ASSERT_TRUE(controller_.monitor_nodes());

  EXPECT_EQ(placed_on("db"), "node-1");
  EXPECT_EQ(copy("node-1", "db")["deleting"], false);
  auto status = **store_.get_status("db");
  EXPECT_EQ(status["phase"], "Unknown");
  EXPECT_EQ(status["reason"], "NodeNotReady");
  EXPECT_NE(status["message"].get<std::string>().find("pinned"), std::string::npos)
      << status.dump();
}

TEST_F(FailoverTest, StaysWhenNoHostFits) {
  add_node("node-1", 8 * kGi);
  add_node("node-2", 1 * kGi);
  apply("big", {{"image", "busybox"}, {"resources", {{"memory", "4Gi"}}}});
  ASSERT_TRUE(controller_.reconcile_container("big"));
  ASSERT_EQ(placed_on("big"), "node-1");

  beat("node-1", 10'000);
  ASSERT_TRUE(controller_.monitor_nodes());

  EXPECT_EQ(placed_on("big"), "node-1");
  EXPECT_TRUE(held().empty());
  auto status = **store_.get_status("big");
  EXPECT_EQ(status["phase"], "Unknown");
  EXPECT_NE(status["message"].get<std::string>().find("insufficient memory"), std::string::npos)
      << status.dump();
}

TEST_F(FailoverTest, DeletionOnLostHostHoldsAddress) {
  add_node("node-1");
  apply("web-1", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  std::string ip = copy("node-1", "web-1")["ip"];
  ASSERT_TRUE(store_.request_deletion("Container", "web-1"));
  ASSERT_TRUE(controller_.reconcile_container("web-1"));

  beat("node-1", 10'000);
  ASSERT_TRUE(controller_.monitor_nodes());

  EXPECT_FALSE(store_.get("Container", "web-1")->has_value());
  ASSERT_EQ(held().size(), 1u);
  EXPECT_EQ(held()[0].address.to_string(), ip);

  confirm(controller_, "node-1", "web-1");
  EXPECT_TRUE(held().empty());
}

TEST_F(FailoverTest, DrainSkipsPinnedContainers) {
  add_node("node-1");
  add_node("node-2");
  apply("web-1", {{"image", "busybox"}, {"node", "node-1"}});
  ASSERT_TRUE(store_.cordon("node-2", false));
  apply("web-2", {{"image", "busybox"}});
  apply("web-3", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.resync());
  ASSERT_EQ(placed_on("web-2"), "node-1");
  ASSERT_TRUE(store_.uncordon("node-2"));

  ASSERT_TRUE(store_.cordon("node-1", true));
  ASSERT_TRUE(controller_.monitor_nodes());

  EXPECT_EQ(placed_on("web-1"), "node-1");
  EXPECT_EQ(placed_on("web-2"), "node-2");
  EXPECT_EQ(placed_on("web-3"), "node-2");
  EXPECT_EQ(copy("node-1", "web-2")["evicted"], true);
  EXPECT_EQ(held().size(), 2u);

  // Nothing new lands on the cordoned host.
  apply("web-4", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-4"));
  EXPECT_EQ(placed_on("web-4"), "node-2");
}

TEST_F(FailoverTest, UnfittingSpecMovesContainer) {
  add_node("node-1", 2 * kGi);
  add_node("node-2", 8 * kGi);
  ASSERT_TRUE(store_.cordon("node-2", false));
  apply("app", {{"image", "busybox"}, {"resources", {{"memory", "1Gi"}}}});
  ASSERT_TRUE(controller_.reconcile_container("app"));
  ASSERT_EQ(placed_on("app"), "node-1");
  ASSERT_TRUE(store_.uncordon("node-2"));

  apply("app", {{"image", "busybox"}, {"resources", {{"memory", "4Gi"}}}});
  ASSERT_TRUE(controller_.reconcile_container("app"));

  EXPECT_EQ(placed_on("app"), "node-2");
  EXPECT_EQ(copy("node-1", "app")["evicted"], true);
  EXPECT_EQ(store_.allocated("node-2")->at("memoryBytes"), 4 * kGi);
}

TEST_F(FailoverTest, JoiningHostTakesPendingContainer) {
  add_node("node-1", 1 * kGi);
  apply("big", {{"image", "busybox"}, {"resources", {{"memory", "2Gi"}}}});
  ASSERT_TRUE(controller_.monitor_nodes());
  ASSERT_TRUE(controller_.reconcile_container("big"));
  EXPECT_EQ((**store_.get_status("big"))["message"], "0/1 nodes available: 1 insufficient memory");

  add_node("node-2", 4 * kGi);
  ASSERT_TRUE(controller_.monitor_nodes());
  // The monitor only notes the change; run() places the Pending ones right after.
  ASSERT_TRUE(controller_.resync());
  EXPECT_EQ(placed_on("big"), "node-2");
}

TEST_F(FailoverTest, HostWithOldCopySkipped) {
  add_node("node-1", 8 * kGi);
  add_node("node-2", 1 * kGi);
  std::string uid = apply("web-1", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  ASSERT_EQ(placed_on("web-1"), "node-1");

  // An old copy left on node-1, which spreading still prefers.
  auto old_copy = copy("node-1", "web-1");
  old_copy["deleting"] = true;
  old_copy["evicted"] = true;
  old_copy["heldBy"] = "held/node-1/web-1";
  ASSERT_TRUE(ipam_.hold("default", {"container", "web-1", uid},
                         *ipam::Ipv4::parse(old_copy["ip"].get<std::string>()),
                         "held/node-1/web-1"));
  ASSERT_TRUE(*store_.mark_removal("node-1", "web-1", old_copy, ""));

  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  EXPECT_EQ(placed_on("web-1"), "node-2");
}

TEST_F(FailoverTest, ConcurrentPlacementsNeverOverbook) {
  add_node("node-1", 4 * kGi);
  for (int i = 0; i < 12; ++i) {
    apply("app-" + std::to_string(i), {{"image", "busybox"}, {"resources", {{"memory", "1Gi"}}}});
  }

  // Two controllers without a lease, as in a split brain. Only the commit script keeps them
  // from overbooking the host.
  auto place_all = [this] {
    auto client = server_.connect();
    Controller controller(*client, fast_options());
    for (int i = 0; i < 12; ++i) {
      (void)controller.reconcile_container("app-" + std::to_string(i));
    }
  };
  std::thread first(place_all);
  std::thread second(place_all);
  first.join();
  second.join();

  auto allocated = *store_.allocated("node-1");
  EXPECT_EQ(allocated["memoryBytes"], 4 * kGi);
  EXPECT_EQ(allocated["containers"], 4);
  EXPECT_EQ(store_.assignments("node-1")->size(), 4u);
}

TEST_F(FailoverTest, ResyncReleasesOrphanedHold) {
  add_node("node-1");
  ASSERT_TRUE(ipam_.reserve("default", *ipam::Ipv4::parse("10.89.0.9"), "held/node-1/gone"));
  ASSERT_TRUE(controller_.resync());
  EXPECT_TRUE(held().empty());
}

TEST(LeaderLeaseTest, SingleLeaderAndStaleFenceRejected) {
  testing::RedisServer server;
  auto client = server.connect();
  LeaderLease first(*client, "first", std::chrono::milliseconds(3000));
  LeaderLease second(*client, "second", std::chrono::milliseconds(3000));

  ASSERT_TRUE(*first.acquire_or_renew());
  EXPECT_FALSE(*second.acquire_or_renew());
  EXPECT_TRUE(first.valid());
  EXPECT_TRUE(*first.acquire_or_renew());
  std::string old_fence = first.fence();

  first.release();
  ASSERT_TRUE(*second.acquire_or_renew());
  EXPECT_NE(second.fence(), old_fence);

  Store store(*client);
  ASSERT_TRUE(store.put_node("node-1", {{"name", "node-1"}}));
  nlohmann::json assignment = {{"uid", "u"}, {"assignment", "a"}, {"generation", 1}};
  auto stale = store.commit_assignment("node-1", "web-1", assignment, old_fence);
  EXPECT_EQ(stale.code(), ErrorCode::kFenced);
  EXPECT_TRUE(store.commit_assignment("node-1", "web-1", assignment, second.fence()));
}

TEST(LeaderLeaseTest, StandbyTakesOverAfterExpiry) {
  testing::RedisServer server;
  auto client = server.connect();
  LeaderLease first(*client, "first", std::chrono::milliseconds(500));
  LeaderLease second(*client, "second", std::chrono::milliseconds(500));
  ASSERT_TRUE(*first.acquire_or_renew());
  ASSERT_FALSE(*second.acquire_or_renew());

  // The first one stops renewing, as a crashed process would.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_FALSE(first.valid());
  EXPECT_TRUE(*second.acquire_or_renew());
}

TEST(ControllerOptionsTest, ShortGraceRejected) {
  ControllerOptions options;
  options.heartbeat_interval = std::chrono::milliseconds(2000);
  options.node_grace = std::chrono::milliseconds(5000);
  auto status = validate(options);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("--node-grace 6"), std::string::npos)
      << status.error().message;
  options.node_grace = std::chrono::milliseconds(6000);
  EXPECT_TRUE(validate(options));
}

}  // namespace
}  // namespace raictl::controller
