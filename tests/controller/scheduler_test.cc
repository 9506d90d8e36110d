#include "controller/scheduler.h"

#include <gtest/gtest.h>

namespace raictl::controller {
namespace {

constexpr int64_t kGi = int64_t{1} << 30;

NodeCandidate node(const std::string& name, int containers = 0, int64_t memory = 4 * kGi) {
  NodeCandidate candidate;
  candidate.name = name;
  candidate.ready = true;
  candidate.cpu_capacity_millis = 2000;
  candidate.memory_capacity_bytes = memory;
  candidate.containers = containers;
  return candidate;
}

TEST(SchedulerTest, SpreadPicksFewestContainers) {
  Scheduler scheduler;
  auto placement = scheduler.place({}, {node("node-1", 3), node("node-2", 1), node("node-3", 2)});
  ASSERT_TRUE(placement.node);
  EXPECT_EQ(*placement.node, "node-2");
}

TEST(SchedulerTest, TiesGoToSmallestName) {
  Scheduler scheduler;
  auto placement = scheduler.place({}, {node("node-b"), node("node-a"), node("node-c")});
  EXPECT_EQ(*placement.node, "node-a");
}

TEST(SchedulerTest, BinpackPicksMostAllocated) {
  Scheduler scheduler(ScoringPolicy::kBinpack);
  auto busy = node("node-1");
  busy.memory_requested_bytes = 3 * kGi;
  PlacementRequest request;
  request.memory_bytes = kGi / 2;
  auto placement = scheduler.place(request, {node("node-2"), busy});
  EXPECT_EQ(*placement.node, "node-1");
}

TEST(SchedulerTest, PinnedNodeWins) {
  Scheduler scheduler;
  PlacementRequest request;
  request.node = "node-3";
  auto placement = scheduler.place(request, {node("node-1"), node("node-3", 10)});
  EXPECT_EQ(*placement.node, "node-3");
}

TEST(SchedulerTest, PinnedToUnknownNodeSaysSo) {
  Scheduler scheduler;
  PlacementRequest request;
  request.node = "node-9";
  auto placement = scheduler.place(request, {node("node-1"), node("node-2")});
  EXPECT_FALSE(placement.node);
  EXPECT_EQ(placement.reason, "pinned node \"node-9\" is not registered");
}

TEST(SchedulerTest, PinnedToDeadNodeWaits) {
  Scheduler scheduler;
  auto dead = node("node-2");
  dead.ready = false;
  PlacementRequest request;
  request.node = "node-2";
  auto placement = scheduler.place(request, {node("node-1"), dead});
  EXPECT_FALSE(placement.node);
  EXPECT_EQ(placement.reason, "pinned node \"node-2\" is not available: not ready");
}

TEST(SchedulerTest, ReasonCountsEachCause) {
  Scheduler scheduler;
  auto small_1 = node("node-1", 0, kGi);
  auto small_2 = node("node-2", 0, kGi);
  auto other_zone = node("node-3", 0, 8 * kGi);
  small_1.labels["zone"] = "a";
  small_2.labels["zone"] = "a";
  other_zone.labels["zone"] = "b";
  PlacementRequest request;
  request.memory_bytes = 2 * kGi;
  request.node_selector["zone"] = "a";

  auto placement = scheduler.place(request, {small_1, small_2, other_zone});
  EXPECT_FALSE(placement.node);
  EXPECT_EQ(placement.reason,
            "0/3 nodes available: 1 didn't match node selector, 2 insufficient memory");
}

TEST(SchedulerTest, SkipsCordonedAndNotReady) {
  Scheduler scheduler;
  auto cordoned = node("node-1");
  cordoned.schedulable = false;
  auto dead = node("node-2");
  dead.ready = false;
  auto placement = scheduler.place({}, {cordoned, dead, node("node-3", 50)});
  EXPECT_EQ(*placement.node, "node-3");
}

TEST(SchedulerTest, ResourcesCountWhatIsAlreadyRequested) {
  Scheduler scheduler;
  auto full = node("node-1");
  full.cpu_requested_millis = 1900;
  PlacementRequest request;
  request.cpu_millis = 200;
  auto placement = scheduler.place(request, {full});
  EXPECT_FALSE(placement.node);
  EXPECT_EQ(placement.reason, "0/1 nodes available: 1 insufficient cpu");
}

}  // namespace
}  // namespace raictl::controller
