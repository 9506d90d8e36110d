#include "core/store.h"

#include <gtest/gtest.h>

#include "tests/support/redis_server.h"

namespace raictl {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  testing::RedisServer server_;
  std::unique_ptr<RedisClient> client_ = server_.connect();
  Store store_{*client_};
};

nlohmann::json web_spec(const std::string& image = "raictl/busybox:latest") {
  return {{"image", image}, {"pool", "default"}};
}

TEST_F(StoreTest, ApplyReportsCreatedUnchangedConfigured) {
  auto created = store_.apply("Container", "web-1", web_spec(), {{"app", "web"}});
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->outcome, ApplyOutcome::kCreated);
  EXPECT_EQ(created->generation, 1);

  auto unchanged = store_.apply("Container", "web-1", web_spec(), {{"app", "web"}});
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->outcome, ApplyOutcome::kUnchanged);
  EXPECT_EQ(unchanged->uid, created->uid);
  EXPECT_EQ(unchanged->generation, 1);

  auto configured = store_.apply("Container", "web-1", web_spec("other:1"), {{"app", "web"}});
  ASSERT_TRUE(configured);
  EXPECT_EQ(configured->outcome, ApplyOutcome::kConfigured);
  EXPECT_EQ(configured->uid, created->uid);
  EXPECT_EQ(configured->generation, 2);
}

TEST_F(StoreTest, ApplyAppendsOneSpecChangePerChange) {
  ASSERT_TRUE(store_.apply("Container", "web-1", web_spec(), {}));
  ASSERT_TRUE(store_.apply("Container", "web-1", web_spec(), {}));
  ASSERT_TRUE(store_.apply("Container", "web-1", web_spec("other:1"), {}));

  auto changes = store_.read_spec_changes("c1", 10, 100, false);
  ASSERT_TRUE(changes) << changes.error().message;
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].generation, 1);
  EXPECT_EQ((*changes)[1].generation, 2);
  EXPECT_EQ((*changes)[1].op, "apply");
}

TEST_F(StoreTest, UnackedSpecChangesAreReadAgainAsPending) {
  ASSERT_TRUE(store_.apply("Container", "web-1", web_spec(), {}));
  auto first = store_.read_spec_changes("c1", 10, 100, false);
  ASSERT_EQ(first->size(), 1u);

  auto pending = store_.read_spec_changes("c1", 10, 0, true);
  ASSERT_EQ(pending->size(), 1u);
  ASSERT_TRUE(store_.ack_spec_change((*pending)[0].id));
  EXPECT_TRUE(store_.read_spec_changes("c1", 10, 0, true)->empty());
}

TEST_F(StoreTest, CreateOnlyRejectsExistingName) {
  auto first = store_.apply("Container", "web-1", web_spec(), {}, true);
  ASSERT_TRUE(first);

  auto second = store_.apply("Container", "web-1", web_spec(), {}, true);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.code(), ErrorCode::kConflict);
  EXPECT_NE(second.error().message.find("\"web-1\" already exists"), std::string::npos)
      << second.error().message;
}

TEST_F(StoreTest, DeletionMarksThenDropRemovesOnlyMatchingUid) {
  auto created = store_.apply("Container", "web-1", web_spec(), {});
  ASSERT_TRUE(store_.request_deletion("Container", "web-1"));

  auto marked = store_.get("Container", "web-1");
  ASSERT_TRUE(marked);
  ASSERT_TRUE(marked->has_value());
  EXPECT_TRUE((*marked)->deletion_requested_at.has_value());

  auto reapply = store_.apply("Container", "web-1", web_spec(), {});
  ASSERT_FALSE(reapply);
  EXPECT_EQ(reapply.code(), ErrorCode::kConflict);

  EXPECT_FALSE(*store_.drop("Container", "web-1", "some-other-uid"));
  EXPECT_TRUE(*store_.drop("Container", "web-1", created->uid));
  EXPECT_FALSE(store_.get("Container", "web-1")->has_value());
  EXPECT_TRUE(store_.list("Container")->empty());
}

TEST_F(StoreTest, DeletingUnknownNameIsNotFound) {
  auto status = store_.request_deletion("Container", "ghost");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.error().message.find("\"ghost\""), std::string::npos);
}

TEST_F(StoreTest, EventsFoldRepeatsEvenWhenInterleaved) {
  EventRecord started{"Normal", "Started", "started", "raictl-node/node-1"};
  EventRecord backoff{"Warning", "BackOff", "restarting", "raictl-node/node-1"};
  ASSERT_TRUE(store_.add_event("Container", "web-1", started));
  ASSERT_TRUE(store_.add_event("Container", "web-1", backoff));
  ASSERT_TRUE(store_.add_event("Container", "web-1", started));
  ASSERT_TRUE(store_.add_event("Container", "web-1", backoff));

  auto events = store_.list_events("Container", "web-1");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].reason, "BackOff");
  EXPECT_EQ((*events)[0].count, 2);
  EXPECT_EQ((*events)[1].count, 2);
}

TEST_F(StoreTest, RemoveAssignmentIgnoresStaleCopy) {
  ASSERT_TRUE(store_.put_node("node-1", {{"name", "node-1"}}));
  nlohmann::json copy = {{"uid", "u1"}, {"assignment", "new"}, {"generation", 1}};
  ASSERT_TRUE(store_.commit_assignment("node-1", "web-1", copy, ""));
  auto stale = store_.remove_assignment("node-1", "web-1", "old");
  ASSERT_TRUE(stale);
  EXPECT_FALSE(stale->has_value());
  EXPECT_EQ(store_.assignments("node-1")->size(), 1u);

  auto removed = store_.remove_assignment("node-1", "web-1", "new");
  ASSERT_TRUE(removed);
  EXPECT_EQ((**removed)["assignment"], "new");
  EXPECT_TRUE(store_.assignments("node-1")->empty());
  EXPECT_FALSE(store_.placement("web-1")->has_value());
}

TEST_F(StoreTest, CommitKeepsIndexAndCapacityInStep) {
  ASSERT_TRUE(store_.put_node("node-1", {{"name", "node-1"}, {"memoryBytes", 3000}}));
  ASSERT_TRUE(store_.put_node("node-2", {{"name", "node-2"}, {"memoryBytes", 3000}}));
  nlohmann::json a = {{"uid", "a"}, {"assignment", "a1"}, {"memoryBytes", 2000}};
  nlohmann::json b = {{"uid", "b"}, {"assignment", "b1"}, {"memoryBytes", 2000}};
  ASSERT_TRUE(store_.commit_assignment("node-1", "a", a, ""));

  auto full = store_.commit_assignment("node-1", "b", b, "");
  EXPECT_EQ(full.code(), ErrorCode::kExhausted);
  EXPECT_NE(full.error().message.find("insufficient memory"), std::string::npos)
      << full.error().message;
  auto twice = store_.commit_assignment("node-2", "a", a, "");
  EXPECT_EQ(twice.code(), ErrorCode::kConflict);

  ASSERT_TRUE(store_.cordon("node-2", false));
  EXPECT_EQ(store_.commit_assignment("node-2", "b", b, "").code(), ErrorCode::kConflict);
  ASSERT_TRUE(store_.uncordon("node-2"));
  ASSERT_TRUE(store_.commit_assignment("node-2", "b", b, ""));

  // An update of the same copy checks only the difference.
  a["memoryBytes"] = 2500;
  ASSERT_TRUE(store_.commit_assignment("node-1", "a", a, ""));
  EXPECT_EQ(store_.allocated("node-1")->at("memoryBytes"), 2500);
  EXPECT_EQ(*store_.placement("a"), std::optional<std::string>("node-1"));
  EXPECT_FALSE(*store_.repair_node_index("node-1"));
}

TEST_F(StoreTest, EvictionKeepsCopyDropsPlacement) {
  ASSERT_TRUE(store_.put_node("node-1", {{"name", "node-1"}}));
  nlohmann::json copy = {{"uid", "u"}, {"assignment", "c1"}, {"command", nlohmann::json::array()}};
  ASSERT_TRUE(store_.commit_assignment("node-1", "web-1", copy, ""));

  copy["deleting"] = true;
  copy["evicted"] = true;
  copy["heldBy"] = "held/node-1/web-1";
  ASSERT_TRUE(*store_.mark_removal("node-1", "web-1", copy, ""));
  EXPECT_FALSE(store_.placement("web-1")->has_value());
  auto stored = store_.assignments("node-1")->at("web-1");
  EXPECT_EQ(stored["evicted"], true);
  EXPECT_TRUE(stored["command"].is_array());
  EXPECT_EQ(store_.allocated("node-1")->at("containers"), 1);

  nlohmann::json other = {{"uid", "u"}, {"assignment", "c2"}};
  EXPECT_FALSE(*store_.mark_removal("node-1", "web-1", other, ""));
}

TEST_F(StoreTest, HeartbeatUsesServerClock) {
  auto beat = store_.heartbeat("node-1");
  ASSERT_TRUE(beat);
  auto now = store_.server_time_ms();
  ASSERT_TRUE(now);
  EXPECT_LE(*beat, *now);
  EXPECT_GT(*beat, *now - 5000);
}

TEST_F(StoreTest, ForgetNodeClearsEverything) {
  ASSERT_TRUE(store_.heartbeat("node-1"));

  ASSERT_TRUE(store_.put_node("node-1", {{"name", "node-1"}}));
  ASSERT_TRUE(store_.commit_assignment("node-1", "web-1", {{"uid", "u"}, {"assignment", "c"}}, ""));
  ASSERT_TRUE(store_.cordon("node-1", true));
  auto forgotten = store_.forget_node("node-1");
  ASSERT_TRUE(forgotten);
  EXPECT_TRUE(forgotten->contains("web-1"));
  EXPECT_TRUE(store_.nodes()->empty());
  EXPECT_TRUE(store_.heartbeats()->empty());
  EXPECT_TRUE(store_.cordons()->empty());
  EXPECT_TRUE(store_.placements()->empty());
}

TEST(UidTest, HasVersionFourForm) {
  std::string uid = new_uid();
  ASSERT_EQ(uid.size(), 36u);
  EXPECT_EQ(uid[14], '4');
  EXPECT_NE(uid, new_uid());
}

TEST(TimeTest, Rfc3339RoundTrips) {
  int64_t ms = 1764876000000;  // 2025-12-04T19:20:00Z
  EXPECT_EQ(rfc3339(ms), "2025-12-04T19:20:00Z");
  EXPECT_EQ(parse_rfc3339_ms(rfc3339(ms)), ms);
}

}  // namespace
}  // namespace raictl
