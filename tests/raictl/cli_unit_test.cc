// Unit tests of the raictl CLI's pure parts: the column printer, ages, event folding,
// label selectors, the validation of `raictl run` flags, node readiness, drain progress and
// the assignment checks of `raictl ipam check`.
#include <gtest/gtest.h>

#include <sstream>

#include "raictl/assignment_checks.h"
#include "raictl/drain.h"
#include "raictl/node_view.h"
#include "raictl/objects_view.h"
#include "raictl/resource_table.h"
#include "raictl/run.h"
#include "raictl/selector.h"
#include "raictl/table.h"

namespace raictl::cli {
namespace {

TEST(Table, PadsColumnsWithThreeSpaces) {
  Table table({"NAME", "STATUS"});
  table.add_row({"web-1", "Running"});
  table.add_row({"a", "Pending"});
  std::ostringstream out;
  table.print(out);
  EXPECT_EQ(out.str(),
            "NAME    STATUS\n"
            "web-1   Running\n"
            "a       Pending\n");
}

TEST(Table, LeavesNoTrailingSpaces) {
  Table table({"NAME", "IP"});
  table.add_row({"web-1", ""});
  std::ostringstream out;
  table.print(out);
  EXPECT_EQ(out.str(), "NAME    IP\nweb-1\n");
}

TEST(Table, IndentsEveryLine) {
  Table table({"TYPE"});
  table.add_row({"Normal"});
  std::ostringstream out;
  table.print(out, "  ");
  EXPECT_EQ(out.str(), "  TYPE\n  Normal\n");
}

TEST(FormatAge, UsesLargestWholeUnit) {
  struct Case {
    int64_t ms;
    const char* expected;
  };
  const Case cases[] = {
      {0, "0s"},
      {45'000, "45s"},
      {59'999, "59s"},
      {60'000, "1m"},
      {3 * 60'000 + 5, "3m"},
      {2 * 3'600'000, "2h"},
      {86'400'000 - 1, "23h"},
      {5 * 86'400'000LL, "5d"},
      {-5'000, "0s"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_age(c.ms), c.expected) << "age_ms=" << c.ms;
  }
}

TEST(FormatAgeSince, MalformedTimeIsUnknown) {
  EXPECT_EQ(format_age_since("yesterday", 1'000'000), "<unknown>");
}

TEST(FormatEventAge, SingleEventShowsOnlyItsAge) {
  int64_t now = 1'000'000'000;
  EXPECT_EQ(format_event_age(now - 12'000, now - 12'000, 1, now), "12s");
}

TEST(FormatEventAge, RepeatsShowCountAndSpan) {
  int64_t now = 1'000'000'000;
  EXPECT_EQ(format_event_age(now - 120'000, now - 12'000, 3, now), "12s (x3 over 2m)");
}

TEST(ParseSelector, AcceptsEqualityTerms) {
  auto selector = parse_selector("app=web,tier=db");
  ASSERT_TRUE(selector.ok()) << selector.error().message;
  EXPECT_EQ(selector->size(), 2u);
  EXPECT_EQ(selector->at("app"), "web");
  EXPECT_EQ(selector->at("tier"), "db");
}

TEST(ParseSelector, RejectsOtherOperators) {
  for (const char* text : {"tier!=db", "app==web", "app", "app=web,", "=web"}) {
    auto selector = parse_selector(text);
    EXPECT_FALSE(selector.ok()) << text;
  }
}

TEST(ParseSelector, ErrorNamesTheTerm) {
  auto selector = parse_selector("app=web,tier!=db");
  ASSERT_FALSE(selector.ok());
  EXPECT_NE(selector.error().message.find("\"tier!=db\""), std::string::npos)
      << selector.error().message;
}

TEST(ParseSelector, RejectsInvalidLabelKey) {
  auto selector = parse_selector("-app=web");
  EXPECT_FALSE(selector.ok());
}

TEST(SelectorMatches, NeedsEveryTerm) {
  LabelSelector selector = {{"app", "web"}, {"tier", "db"}};
  EXPECT_TRUE(selector_matches(selector, {{"app", "web"}, {"tier", "db"}, {"x", "y"}}));
  EXPECT_FALSE(selector_matches(selector, {{"app", "web"}}));
  EXPECT_FALSE(selector_matches(selector, {{"app", "web"}, {"tier", "cache"}}));
}

RunOptions valid_run() {
  RunOptions options;
  options.name = "web-1";
  options.image = "nginx:1.25";
  return options;
}

TEST(BuildRunContainer, FillsSpecFromFlags) {
  RunOptions options = valid_run();
  options.command = {"sleep", "60"};
  options.env = {"MODE=fast"};
  options.labels = {"app=web"};
  options.cpu = "250m";
  options.memory = "64Mi";
  options.restart = "Never";

  auto container = build_run_container(options);
  ASSERT_TRUE(container.ok()) << container.error().message;
  const auto& spec = std::get<ContainerSpec>(container->spec);
  EXPECT_EQ(container->meta.name, "web-1");
  EXPECT_EQ(container->meta.labels.at("app"), "web");
  EXPECT_EQ(spec.command, (std::vector<std::string>{"sleep", "60"}));
  EXPECT_EQ(spec.env.at("MODE"), "fast");
  EXPECT_EQ(spec.resources.cpu_millis, 250);
  EXPECT_EQ(spec.resources.memory_bytes, 64 * 1024 * 1024);
  EXPECT_EQ(spec.restart_policy, RestartPolicy::kNever);
  EXPECT_EQ(spec.pool, "default");
}

// Each bad flag value must produce a message that names the field and the value.
TEST(BuildRunContainer, RejectsBadValuesNamingThem) {
  struct Case {
    const char* what;
    void (*apply)(RunOptions&);
    const char* expected_text;
  };
  const Case cases[] = {
      {"name", [](RunOptions& o) { o.name = "Web_1"; }, "Web_1"},
      {"image", [](RunOptions& o) { o.image = "Nginx:1.25"; }, "Nginx:1.25"},
      {"memory", [](RunOptions& o) { o.memory = "64m"; }, "64m"},
      {"cpu", [](RunOptions& o) { o.cpu = "lots"; }, "lots"},
      {"restart", [](RunOptions& o) { o.restart = "Sometimes"; }, "Sometimes"},
      {"env name", [](RunOptions& o) { o.env = {"1BAD=x"}; }, "1BAD"},
      {"env form", [](RunOptions& o) { o.env = {"NOVALUE"}; }, "NOVALUE"},
      {"label form", [](RunOptions& o) { o.labels = {"app"}; }, "app"},
  };
  for (const auto& c : cases) {
    RunOptions options = valid_run();
    c.apply(options);
    auto container = build_run_container(options);
    ASSERT_FALSE(container.ok()) << c.what;
    EXPECT_NE(container.error().message.find(c.expected_text), std::string::npos)
        << c.what << ": " << container.error().message;
    EXPECT_EQ(container.error().message.find("<run>"), std::string::npos)
        << c.what << ": " << container.error().message;
  }
}

constexpr int64_t kNow = 1'700'000'000'000;

NodeView node_with_heartbeat(int64_t age_ms) {
  NodeView node;
  node.name = "host-1";
  node.last_heartbeat_ms = kNow - age_ms;
  return node;
}

TEST(NodeReadiness, JudgesHeartbeatAgeAgainstGrace) {
  ReadinessBasis basis{kNow, 15'000, false};
  EXPECT_EQ(node_readiness(node_with_heartbeat(0), basis), NodeReadiness::kReady);
  EXPECT_EQ(node_readiness(node_with_heartbeat(14'999), basis), NodeReadiness::kReady);
  EXPECT_EQ(node_readiness(node_with_heartbeat(15'000), basis), NodeReadiness::kNotReady);

  basis.node_grace_ms = 60'000;
  EXPECT_EQ(node_readiness(node_with_heartbeat(30'000), basis), NodeReadiness::kReady);
}

TEST(NodeReadiness, NeverBeatingNodeIsUnknown) {
  NodeView node;
  node.name = "host-1";
  node.condition = nlohmann::json{{"ready", false}, {"reason", "HeartbeatMissed"}};
  EXPECT_EQ(node_readiness(node, {kNow, 15'000, true}), NodeReadiness::kUnknown);
}

TEST(NodeReadiness, PrefersConditionWhileControllerLeads) {
  NodeView fresh_but_judged_lost = node_with_heartbeat(1'000);
  fresh_but_judged_lost.condition = nlohmann::json{{"ready", false}};
  EXPECT_EQ(node_readiness(fresh_but_judged_lost, {kNow, 15'000, true}), NodeReadiness::kNotReady);

  NodeView old_but_judged_ready = node_with_heartbeat(40'000);
  old_but_judged_ready.condition = nlohmann::json{{"ready", true}};
  EXPECT_EQ(node_readiness(old_but_judged_ready, {kNow, 15'000, true}), NodeReadiness::kReady);
}

TEST(NodeReadiness, IgnoresConditionWithoutLeader) {
  NodeView node = node_with_heartbeat(40'000);
  node.condition = nlohmann::json{{"ready", true}};
  EXPECT_EQ(node_readiness(node, {kNow, 15'000, false}), NodeReadiness::kNotReady);
}

TEST(NodeStatusText, AddsSchedulingDisabledForCordon) {
  ReadinessBasis basis{kNow, 15'000, false};
  NodeView node = node_with_heartbeat(1'000);
  EXPECT_EQ(node_status_text(node, basis), "Ready");
  node.cordon = nlohmann::json{{"since", kNow}, {"drain", true}};
  EXPECT_EQ(node_status_text(node, basis), "Ready,SchedulingDisabled");
  node.last_heartbeat_ms = 0;
  EXPECT_EQ(node_status_text(node, basis), "Unknown,SchedulingDisabled");
}

TEST(NodeRow, WideShowsAllocatedAgainstCapacity) {
  NodeView node = node_with_heartbeat(1'000);
  node.record = {{"address", "192.0.2.10"}, {"cpuMillis", 2000}, {"memoryBytes", 1 << 30}};
  node.allocated = {{"cpuMillis", 250}, {"memoryBytes", 64 << 20}, {"containers", 1}};
  auto row = node_row(node, true, {kNow, 15'000, false});
  ASSERT_EQ(row.size(), 8u);
  EXPECT_EQ(row[6], "250m/2");
  EXPECT_EQ(row[7], "64Mi/1Gi");

  node.record.erase("memoryBytes");
  EXPECT_EQ(node_row(node, true, {kNow, 15'000, false})[7], "64Mi/<unknown>");
}

TEST(NodeRow, CountsOnlyLiveCopies) {
  NodeView node = node_with_heartbeat(1'000);
  node.assignments = {{"web-1", {{"evicted", false}}},
                      {"web-2", {{"evicted", true}, {"deleting", true}}}};
  EXPECT_EQ(node_row(node, false, {kNow, 15'000, false})[3], "1");
}

ObjectRecord container_record(const std::string& name) {
  ObjectRecord record;
  record.kind = "Container";
  record.name = name;
  record.uid = "uid-" + name;
  record.generation = 1;
  record.created_at = "2024-05-01T12:00:00Z";
  record.spec = {{"image", "nginx:1.25"}, {"pool", "default"}};
  return record;
}

TEST(ObjectFromRecord, LoadsUnknownPhase) {
  nlohmann::json status = {{"phase", "Unknown"},
                           {"reason", "NodeNotReady"},
                           {"message", "node host-3 is not ready"},
                           {"node", "host-3"}};
  auto object = object_from_record(container_record("web-1"), status);
  ASSERT_TRUE(object.ok()) << object.error().message;
  EXPECT_EQ(container_status_text(*object), "Unknown");
  EXPECT_EQ(object->status->reason, "NodeNotReady");
  EXPECT_EQ(object_to_json(*object)["status"]["phase"], "Unknown");
}

DrainSnapshot drain_start() {
  DrainSnapshot snapshot;
  snapshot.assignments = {{"web-1", {{"ip", "10.0.0.2"}}}, {"db-1", {{"ip", "10.0.0.3"}}}};
  snapshot.placements = {{"web-1", "host-3"}, {"db-1", "host-3"}};
  snapshot.containers = {{"web-1", {}}, {"db-1", {"host-3", "Running", "", ""}}};
  return snapshot;
}

TEST(DrainTracker, ReportsPinnedThenMovedOnce) {
  DrainTracker tracker("host-3");
  EXPECT_EQ(tracker.update(drain_start()),
            std::vector<std::string>{"container/db-1 stays: pinned to host-3 by spec.node"});
  EXPECT_FALSE(tracker.drained());

  DrainSnapshot moved = drain_start();
  moved.assignments["web-1"] = {{"ip", "10.0.0.2"}, {"evicted", true}, {"deleting", true}};
  moved.placements["web-1"] = "host-1";
  EXPECT_EQ(tracker.update(moved), std::vector<std::string>{"container/web-1 moved to host-1"});
  EXPECT_FALSE(tracker.drained()) << "the evicted copy is not confirmed gone yet";

  moved.assignments.erase("web-1");
  EXPECT_TRUE(tracker.update(moved).empty());
  EXPECT_TRUE(tracker.drained());
}

TEST(DrainTracker, ReportsDeletedContainer) {
  DrainTracker tracker("host-3");
  (void)tracker.update(drain_start());
  DrainSnapshot deleted = drain_start();
  deleted.assignments.erase("web-1");
  deleted.placements.erase("web-1");
  deleted.containers.erase("web-1");
  EXPECT_EQ(tracker.update(deleted), std::vector<std::string>{"container/web-1 deleted"});
  EXPECT_TRUE(tracker.drained());
}

TEST(DrainTracker, ListsContainerNotPlacedElsewhere) {
  DrainTracker tracker("host-3");
  (void)tracker.update(drain_start());
  DrainSnapshot evicted = drain_start();
  evicted.assignments.erase("web-1");
  evicted.placements.erase("web-1");
  evicted.containers["web-1"] = {"", "Pending", "Unschedulable", "no node fits"};
  EXPECT_TRUE(tracker.update(evicted).empty());
  EXPECT_TRUE(tracker.drained());
  EXPECT_EQ(tracker.unplaced(),
            std::vector<std::string>{"container/web-1 left host-3 but is not placed yet; status "
                                     "Pending, Unschedulable: no node fits"});
}

TEST(DrainTracker, BlockersGiveStatusReason) {
  DrainTracker tracker("host-3");
  DrainSnapshot stuck = drain_start();
  stuck.containers["web-1"] = {"", "Running", "Unschedulable", "no node has 500m cpu free"};
  (void)tracker.update(stuck);
  EXPECT_EQ(tracker.blockers(),
            std::vector<std::string>{"container/web-1 did not move; status Running, "
                                     "Unschedulable: no node has 500m cpu free"});
}

TEST(DrainTracker, BlockersNameUnconfirmedEvictedCopy) {
  DrainTracker tracker("host-3");
  DrainSnapshot waiting = drain_start();
  waiting.assignments["web-1"] = {{"ip", "10.0.0.2"}, {"evicted", true}, {"deleting", true}};
  waiting.placements["web-1"] = "host-1";
  (void)tracker.update(waiting);
  auto blockers = tracker.blockers();
  ASSERT_EQ(blockers.size(), 1u);
  EXPECT_EQ(blockers[0],
            "container/web-1 moved to host-1, but host-3 has not confirmed that the old copy is "
            "gone (its address 10.0.0.2 stays held); if host-3 is gone for good, run \"raictl "
            "node remove host-3 --force\"");
}

nlohmann::json evicted_copy(const std::string& ip, const std::string& holder) {
  return {
      {"ip", ip}, {"pool", "default"}, {"evicted", true}, {"deleting", true}, {"heldBy", holder}};
}

ipam::Reservation reservation(const std::string& ip, const std::string& holder) {
  return {ipam::Ipv4::parse(ip).value(), holder};
}

TEST(CheckHeldAddresses, HeldAddressIsANote) {
  AssignmentsByNode assignments = {
      {"host-2", {{"web-2", evicted_copy("10.20.0.7", "held/host-2/web-2")}}}};
  CheckFindings findings;
  check_held_addresses(assignments, {{"default", {reservation("10.20.0.7", "held/host-2/web-2")}}},
                       findings);
  EXPECT_TRUE(findings.problems.empty());
  ASSERT_EQ(findings.notes.size(), 1u);
  EXPECT_EQ(findings.notes[0],
            "held: 10.20.0.7 (pool default) for container/web-2, until host-2 confirms its old "
            "copy is gone or \"raictl node remove host-2 --force\"");
}

TEST(CheckHeldAddresses, HoldWithoutEvictedCopyIsAProblem) {
  CheckFindings findings;
  check_held_addresses(
      {},
      {{"default",
        {reservation("10.20.0.9", "held/host-9/web-4"), reservation("10.20.0.3", "node/host-2")}}},
      findings);
  ASSERT_EQ(findings.problems.size(), 1u) << "only held/ reservations are checked";
  EXPECT_NE(findings.problems[0].find("orphaned hold: 10.20.0.9"), std::string::npos)
      << findings.problems[0];
}

TEST(CheckHeldAddresses, EvictedCopyWithoutHoldIsAProblem) {
  AssignmentsByNode assignments = {
      {"host-2", {{"web-2", evicted_copy("10.20.0.7", "held/host-2/web-2")}}}};
  CheckFindings findings;
  check_held_addresses(assignments, {}, findings);
  ASSERT_EQ(findings.problems.size(), 1u);
  EXPECT_NE(findings.problems[0].find("missing hold"), std::string::npos) << findings.problems[0];
  EXPECT_TRUE(findings.notes.empty());
}

TEST(CheckPlacements, LiveCopiesOnTwoNodesAreAProblem) {
  AssignmentsByNode assignments = {{"host-1", {{"web-1", {{"ip", "10.0.0.2"}}}}},
                                   {"host-2", {{"web-1", {{"ip", "10.0.0.5"}}}}}};
  CheckFindings findings;
  check_placements(assignments, {{"web-1", "host-1"}}, findings);
  ASSERT_EQ(findings.problems.size(), 1u);
  EXPECT_EQ(findings.problems[0],
            "placed twice: container/web-1 has live copies on host-1 and "
            "host-2");
}

TEST(CheckPlacements, EvictedCopyDoesNotCount) {
  AssignmentsByNode assignments = {
      {"host-1", {{"web-1", {{"ip", "10.0.0.2"}}}}},
      {"host-2", {{"web-1", evicted_copy("10.0.0.5", "held/host-2/web-1")}}}};
  CheckFindings findings;
  check_placements(assignments, {{"web-1", "host-1"}}, findings);
  EXPECT_TRUE(findings.problems.empty()) << findings.problems.front();
}

TEST(CheckPlacements, IndexDisagreementIsAProblem) {
  AssignmentsByNode assignments = {{"host-1", {{"web-1", {{"ip", "10.0.0.2"}}}}}};
  CheckFindings wrong_node;
  check_placements(assignments, {{"web-1", "host-2"}}, wrong_node);
  ASSERT_EQ(wrong_node.problems.size(), 1u);
  EXPECT_NE(wrong_node.problems[0].find("puts it on host-2"), std::string::npos);

  CheckFindings missing_entry;
  check_placements(assignments, {}, missing_entry);
  ASSERT_EQ(missing_entry.problems.size(), 1u);
  EXPECT_NE(missing_entry.problems[0].find("no entry"), std::string::npos);

  CheckFindings dangling_entry;
  check_placements({}, {{"web-9", "host-1"}}, dangling_entry);
  ASSERT_EQ(dangling_entry.problems.size(), 1u);
  EXPECT_NE(dangling_entry.problems[0].find("no live copy"), std::string::npos);
}

TEST(CheckNodeLoads, OverbookedNodeIsAProblem) {
  CheckFindings findings;
  check_node_loads({{"host-1", 2500, 64 << 20, 2000, 1 << 30},
                    {"host-2", 500, 2LL << 30, 1000, 1 << 30},
                    {"host-3", 9000, 0, 0, 0}},
                   findings);
  ASSERT_EQ(findings.problems.size(), 2u);
  EXPECT_EQ(findings.problems[0],
            "overbooked: node host-1 has 2500m cpu allocated, more than its capacity of 2");
  EXPECT_EQ(findings.problems[1],
            "overbooked: node host-2 has 2Gi memory allocated, more than its capacity of 1Gi");
}

}  // namespace
}  // namespace raictl::cli
