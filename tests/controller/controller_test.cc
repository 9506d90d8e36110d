#include "controller/controller.h"

#include <gtest/gtest.h>

#include "core/keys.h"
#include "tests/controller/controller_fixture.h"

namespace raictl::controller {
namespace {

class ControllerTest : public RedisFixture {
 protected:
  void SetUp() override {
    RedisFixture::SetUp();
    add_node("node-1");
  }

  void add_node(const std::string& name, bool ready = true) {
    ASSERT_TRUE(store_.put_node(name, {{"name", name}, {"address", "127.0.0.1"}}));
    beat(name, ready ? 0 : 60'000);
  }

  Controller controller_{*client_, ControllerOptions{}};
};

TEST_F(ControllerTest, PlacesContainerWithAddressAndGateway) {
  std::string uid = apply("web-1", {{"image", "busybox"}, {"pool", "default"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));

  auto placed = copy("node-1", "web-1");
  ASSERT_FALSE(placed.is_null());
  EXPECT_EQ(placed["uid"], uid);
  EXPECT_EQ(placed["ip"], "10.89.0.2");
  EXPECT_EQ(placed["gateway"], "10.89.0.1");
  EXPECT_EQ(placed["subnet"], "10.89.0.0/24");
  EXPECT_EQ((*store_.get_status("web-1"))->at("node"), "node-1");
}

TEST_F(ControllerTest, ReconcileTwiceKeepsOneAddress) {
  apply("web-1", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  EXPECT_EQ(ipam_.usage("default")->used, 1u);
}

TEST_F(ControllerTest, SpecChangeKeepsNodeAndAddress) {
  apply("web-1", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  apply("web-1", {{"image", "busybox"}, {"command", {"sleep", "10"}}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));

  auto placed = copy("node-1", "web-1");
  EXPECT_EQ(placed["generation"], 2);
  EXPECT_EQ(placed["ip"], "10.89.0.2");
}

TEST_F(ControllerTest, SecondNodeGetsItsOwnGateway) {
  add_node("node-2");
  apply("web-1", {{"image", "busybox"}, {"node", "node-1"}});
  apply("web-2", {{"image", "busybox"}, {"node", "node-2"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  ASSERT_TRUE(controller_.reconcile_container("web-2"));

  auto first = copy("node-1", "web-1");
  auto second = copy("node-2", "web-2");
  EXPECT_EQ(first["gateway"], "10.89.0.1");
  EXPECT_NE(second["gateway"], "10.89.0.1");
  EXPECT_NE(second["gateway"], first["ip"]);
  EXPECT_NE(second["gateway"], second["ip"]);
}

TEST_F(ControllerTest, NoReadyNodeLeavesContainerPendingWithReason) {
  beat("node-1", 60'000);
  apply("web-1", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));

  auto status = **store_.get_status("web-1");
  EXPECT_EQ(status["phase"], "Pending");
  EXPECT_EQ(status["reason"], "Unschedulable");
  EXPECT_EQ(status["message"], "0/1 nodes available: 1 not ready");
  EXPECT_EQ(ipam_.usage("default")->used, 0u);
}

TEST_F(ControllerTest, TakenRequestedAddressIsPendingAndNamesHolder) {
  apply("web-1", {{"image", "busybox"}, {"ip", "10.89.0.7"}});
  apply("web-2", {{"image", "busybox"}, {"ip", "10.89.0.7"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  ASSERT_TRUE(controller_.reconcile_container("web-2"));

  auto status = **store_.get_status("web-2");
  EXPECT_EQ(status["reason"], "AddressUnavailable");
  EXPECT_NE(status["message"].get<std::string>().find("web-1"), std::string::npos) << status.dump();
}

TEST_F(ControllerTest, AddressIsReleasedOnlyAfterNodeConfirms) {
  std::string uid = apply("web-1", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  ASSERT_TRUE(store_.request_deletion("Container", "web-1"));
  ASSERT_TRUE(controller_.reconcile_container("web-1"));

  auto removing = copy("node-1", "web-1");
  EXPECT_EQ(removing["deleting"], true);
  EXPECT_EQ(ipam_.usage("default")->used, 1u);

  ASSERT_TRUE(controller_.handle_removal("node-1", "web-1", uid, removing["assignment"]));
  EXPECT_TRUE(copy("node-1", "web-1").is_null());
  EXPECT_EQ(ipam_.usage("default")->used, 0u);
  EXPECT_FALSE(store_.get("Container", "web-1")->has_value());
}

TEST_F(ControllerTest, StaleConfirmationDoesNotReleaseNewIncarnation) {
  std::string old_uid = apply("web-1", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  ASSERT_TRUE(store_.request_deletion("Container", "web-1"));
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  std::string old_copy = copy("node-1", "web-1")["assignment"];
  ASSERT_TRUE(controller_.handle_removal("node-1", "web-1", old_uid, old_copy));

  std::string new_uid = apply("web-1", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  ASSERT_TRUE(controller_.handle_removal("node-1", "web-1", old_uid, old_copy));

  EXPECT_EQ(copy("node-1", "web-1")["uid"], new_uid);
  EXPECT_EQ(ipam_.usage("default")->used, 1u);
}

TEST_F(ControllerTest, DeletingUnplacedContainerDropsItAtOnce) {
  beat("node-1", 60'000);
  apply("web-1", {{"image", "busybox"}});
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  ASSERT_TRUE(store_.request_deletion("Container", "web-1"));
  ASSERT_TRUE(controller_.reconcile_container("web-1"));
  EXPECT_FALSE(store_.get("Container", "web-1")->has_value());
}

TEST_F(ControllerTest, ResyncPlacesEverythingWithoutStreamEntries) {
  apply("web-1", {{"image", "busybox"}});
  apply("web-2", {{"image", "busybox"}});
  ASSERT_TRUE(client_->command({"DEL", keys::spec_stream()}));

  ASSERT_TRUE(controller_.resync());
  EXPECT_FALSE(copy("node-1", "web-1").is_null());
  EXPECT_FALSE(copy("node-1", "web-2").is_null());
}

}  // namespace
}  // namespace raictl::controller
