#include "reconciler/reconciler.h"

#include <gtest/gtest.h>

#include <mutex>

#include "core/keys.h"
#include "runtime/fake_host_network.h"
#include "runtime/fake_runtime.h"
#include "tests/support/redis_server.h"

namespace raictl::reconciler {
namespace {

using Operation = FakeRuntime::Operation;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A FakeRuntime that also records the order of the calls that change the host, so a test
// can check what a pass did first. Each entry is the operation and its container name (for
// create) or container id (for start, stop and remove) or network name.
class RecordingRuntime : public FakeRuntime {
 public:
  using Call = std::pair<Operation, std::string>;

  Result<NetworkInfo> ensure_network(const NetworkSpec& spec) override {
    record(Operation::kEnsureNetwork, spec.name);
    return FakeRuntime::ensure_network(spec);
  }
  Result<std::string> create_container(const ContainerConfig& spec) override {
    record(Operation::kCreateContainer, spec.name);
    return FakeRuntime::create_container(spec);
  }
  Status start_container(const std::string& container) override {
    record(Operation::kStartContainer, container);
    return FakeRuntime::start_container(container);
  }
  Status stop_container(const std::string& container, std::chrono::seconds timeout) override {
    record(Operation::kStopContainer, container);
    return FakeRuntime::stop_container(container, timeout);
  }
  Status remove_container(const std::string& container) override {
    record(Operation::kRemoveContainer, container);
    return FakeRuntime::remove_container(container);
  }

  // Index of the first recorded call, or -1 when it was not made.
  int first(Operation operation, const std::string& argument) const {
    std::lock_guard lock(calls_mutex_);
    for (size_t i = 0; i < calls_.size(); ++i) {
      if (calls_[i] == Call{operation, argument}) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  int first(Operation operation) const {
    std::lock_guard lock(calls_mutex_);
    for (size_t i = 0; i < calls_.size(); ++i) {
      if (calls_[i].first == operation) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  void clear_calls() {
    std::lock_guard lock(calls_mutex_);
    calls_.clear();
  }

 private:
  // Removals run on helper threads, so recording takes a lock.
  void record(Operation operation, const std::string& argument) {
    std::lock_guard lock(calls_mutex_);
    calls_.emplace_back(operation, argument);
  }

  mutable std::mutex calls_mutex_;
  std::vector<Call> calls_;
};

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest() {
    options_.node = "node-1";
    options_.backoff.initial = milliseconds(1000);
    options_.backoff.maximum = milliseconds(8000);
  }

  Reconciler& reconciler() {
    if (!reconciler_) {
      reconciler_ =
          std::make_unique<Reconciler>(runtime_, store_, options_, [this] { return now_; });
    }
    return *reconciler_;
  }

  // An assignment entry without an assignment uid, like the entries written before copies
  // had their own ids. Its copy id is the container uid.
  nlohmann::json entry(const std::string& name, const std::string& uid, int64_t generation,
                       nlohmann::json spec) {
    return {
        {"uid", uid},
        {"generation", generation},
        {"spec", spec},
        {"ip", ip_for(name)},
        {"pool", "default"},
        {"subnet", "10.89.0.0/24"},
        {"gateway", "10.89.0.1"},
        {"deleting", false},
    };
  }

  // Writes the entry straight into node-1's assignments hash, the only record a pass
  // reads. The controller's scripts also keep an index and counters, which the node never
  // reads.
  void put_entry(const std::string& name, const nlohmann::json& entry) {
    ASSERT_TRUE(client_->command({"HSET", keys::assignments("node-1"), name, entry.dump()}));
  }

  void assign(const std::string& name, const std::string& uid, int64_t generation,
              nlohmann::json spec, bool deleting = false) {
    auto assignment = entry(name, uid, generation, spec);
    assignment["deleting"] = deleting;
    put_entry(name, assignment);
  }

  void assign_copy(const std::string& name, const std::string& copy, bool evicted = false) {
    auto assignment = entry(name, "uid-1", 1, busybox_);
    assignment["assignment"] = copy;
    if (evicted) {
      assignment["deleting"] = true;
      assignment["evicted"] = true;
      assignment["heldBy"] = "held/node-1/" + name;
    }
    put_entry(name, assignment);
  }

  // The fields of every entry of the spec stream, as name -> value maps.
  std::vector<std::map<std::string, std::string>> spec_changes() {
    std::vector<std::map<std::string, std::string>> out;
    auto reply = client_->command({"XRANGE", keys::spec_stream(), "-", "+"});
    EXPECT_TRUE(reply);
    if (!reply) {
      return out;
    }
    for (const auto& entry : reply->elements) {
      std::map<std::string, std::string> fields;
      const auto& flat = entry.elements[1].elements;
      for (size_t i = 0; i + 1 < flat.size(); i += 2) {
        fields[flat[i].text] = flat[i + 1].text;
      }
      out.push_back(std::move(fields));
    }
    return out;
  }

  static std::string ip_for(const std::string& name) {
    return "10.89.0." + std::to_string(10 + (name.back() - '0'));
  }

  PassResult pass() {
    auto result = reconciler().run_pass();
    EXPECT_TRUE(result) << result.error().message;
    return result ? *result : PassResult{};
  }

  nlohmann::json status(const std::string& name) {
    auto stored = store_.get_status(name);
    return stored && stored->has_value() ? **stored : nlohmann::json::object();
  }

  std::optional<ContainerInfo> container(const std::string& name) {
    auto info = runtime_.inspect_container(name);
    if (!info) {
      return std::nullopt;
    }
    return *info;
  }

  const nlohmann::json busybox_ = {{"image", "raictl/busybox:latest"}};
  testing::RedisServer server_;
  std::unique_ptr<RedisClient> client_ = server_.connect();
  Store store_{*client_};
  RecordingRuntime runtime_;
  ReconcilerOptions options_;
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(ReconcilerTest, StartsAssignedContainerWithItsAddressAndLabels) {
  assign("web-1", "uid-1", 1, busybox_);
  auto result = pass();

  auto info = container("web-1");
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->running());
  EXPECT_EQ(info->networks["raictl-default"].ipv4_address, "10.89.0.11");
  EXPECT_EQ(info->labels["raictl.uid"], "uid-1");
  EXPECT_EQ(info->labels["raictl.assignment"], "uid-1") << "no assignment uid: the copy is the uid";
  EXPECT_EQ(info->labels["raictl.generation"], "1");
  EXPECT_EQ(status("web-1")["phase"], "Running");
  EXPECT_EQ(status("web-1")["containerId"], info->id);
  EXPECT_EQ(result.converged, 1);
}

TEST_F(ReconcilerTest, KeepsDockerAllocatorOffTheCluster) {
  assign("web-1", "uid-1", 1, busybox_);
  pass();

  auto network = runtime_.inspect_network("raictl-default");
  ASSERT_TRUE(network);
  EXPECT_EQ(network->subnet, "10.89.0.0/24");
  EXPECT_EQ(network->gateway, "10.89.0.1");
  EXPECT_EQ(network->ip_range, "10.89.0.1/32");
}

TEST_F(ReconcilerTest, OwnStaleNetworkRecreated) {
  // Left from before the host was removed and registered again with a new bridge address.
  NetworkSpec old;
  old.name = "raictl-default";
  old.subnet = "10.89.0.0/24";
  old.gateway = "10.89.0.4";
  old.ip_range = "10.89.0.4/32";
  old.labels = {{"raictl.managed", "true"}};
  ASSERT_TRUE(runtime_.ensure_network(old));

  assign("web-1", "uid-1", 1, busybox_);
  pass();

  EXPECT_EQ(runtime_.inspect_network("raictl-default")->gateway, "10.89.0.1");
  EXPECT_EQ(status("web-1")["phase"], "Running");
}

TEST_F(ReconcilerTest, ForeignNetworkLeftAlone) {
  NetworkSpec foreign;
  foreign.name = "raictl-default";
  foreign.subnet = "10.89.0.0/24";
  foreign.gateway = "10.89.0.4";
  ASSERT_TRUE(runtime_.ensure_network(foreign));

  assign("web-1", "uid-1", 1, busybox_);
  pass();

  EXPECT_EQ(runtime_.inspect_network("raictl-default")->gateway, "10.89.0.4");
  EXPECT_EQ(status("web-1")["reason"], "NetworkFailed");
}

TEST_F(ReconcilerTest, SecondPassChangesNothing) {
  assign("web-1", "uid-1", 1, busybox_);
  pass();
  pass();
  EXPECT_EQ(runtime_.call_count(Operation::kCreateContainer), 1);
}

TEST_F(ReconcilerTest, MissingImageIsReportedAndRetriedAfterBackoff) {
  assign("web-1", "uid-1", 1, {{"image", "raictl/missing:1.0"}});
  auto first = pass();

  EXPECT_EQ(status("web-1")["reason"], "ImageNotFound");
  EXPECT_NE(status("web-1")["message"].get<std::string>().find("raictl/missing:1.0"),
            std::string::npos);
  ASSERT_TRUE(first.wake_at);

  pass();
  EXPECT_EQ(runtime_.call_count(Operation::kImageExists), 1) << "retried before the backoff";

  runtime_.add_image("raictl/missing:1.0");
  now_ = *first.wake_at;
  pass();
  EXPECT_EQ(status("web-1")["phase"], "Running");
}

TEST_F(ReconcilerTest, NewGenerationRecreatesWithSameAddress) {
  assign("web-1", "uid-1", 1, busybox_);
  pass();
  std::string old_id = container("web-1")->id;

  assign("web-1", "uid-1", 2, {{"image", "raictl/busybox:latest"}, {"args", {"sleep", "5"}}});
  pass();

  auto info = container("web-1");
  ASSERT_TRUE(info);
  EXPECT_NE(info->id, old_id);
  EXPECT_EQ(info->labels["raictl.generation"], "2");
  EXPECT_EQ(info->networks["raictl-default"].ipv4_address, "10.89.0.11");
  EXPECT_EQ(status("web-1")["observedGeneration"], 2);
}

TEST_F(ReconcilerTest, CrashedContainerRestartsAfterBackoff) {
  assign("web-1", "uid-1", 1, busybox_);
  pass();
  ASSERT_TRUE(runtime_.exit_container("web-1", 1));

  auto waiting = pass();
  EXPECT_EQ(status("web-1")["phase"], "CrashLoopBackOff");
  EXPECT_NE(status("web-1")["message"].get<std::string>().find("exited with code 1"),
            std::string::npos);
  ASSERT_TRUE(waiting.wake_at);
  EXPECT_FALSE(container("web-1")->running());

  now_ = *waiting.wake_at;
  pass();
  EXPECT_TRUE(container("web-1")->running());
  EXPECT_EQ(status("web-1")["restarts"], 1);
  EXPECT_EQ(status("web-1")["phase"], "Running");
}

TEST_F(ReconcilerTest, BackoffDoublesPerCrash) {
  assign("web-1", "uid-1", 1, busybox_);
  pass();
  auto start = now_;

  ASSERT_TRUE(runtime_.exit_container("web-1", 1));
  auto first = pass();
  now_ = *first.wake_at;
  pass();
  ASSERT_TRUE(runtime_.exit_container("web-1", 1));
  auto second = pass();

  EXPECT_EQ(*first.wake_at - start, milliseconds(1000));
  EXPECT_EQ(*second.wake_at - now_, milliseconds(2000));
}

TEST_F(ReconcilerTest, NeverPolicyLeavesExitedContainerFailed) {
  assign("job-1", "uid-1", 1, {{"image", "raictl/busybox:latest"}, {"restartPolicy", "Never"}});
  pass();
  ASSERT_TRUE(runtime_.exit_container("job-1", 3));
  pass();

  EXPECT_EQ(status("job-1")["phase"], "Failed");
  EXPECT_EQ(runtime_.call_count(Operation::kStartContainer), 1);
}

TEST_F(ReconcilerTest, OnFailurePolicyCompletesOnExitZero) {
  assign("job-1", "uid-1", 1, {{"image", "raictl/busybox:latest"}, {"restartPolicy", "OnFailure"}});
  pass();
  ASSERT_TRUE(runtime_.exit_container("job-1", 0));
  pass();
  EXPECT_EQ(status("job-1")["phase"], "Completed");
}

TEST_F(ReconcilerTest, DeletingAssignmentIsRemovedAndConfirmed) {
  assign("web-1", "uid-1", 1, busybox_);
  pass();
  assign("web-1", "uid-1", 1, busybox_, true);
  pass();

  EXPECT_FALSE(container("web-1"));
  auto confirmations = spec_changes();
  ASSERT_EQ(confirmations.size(), 1u);
  EXPECT_EQ(confirmations[0]["op"], "removed");
  EXPECT_EQ(confirmations[0]["uid"], "uid-1");
  EXPECT_EQ(confirmations[0]["assignment"], "uid-1");
  EXPECT_EQ(confirmations[0]["node"], "node-1");
}

TEST_F(ReconcilerTest, UnassignedContainerOfOursIsRemoved) {
  assign("web-1", "uid-1", 1, busybox_);
  pass();
  ASSERT_TRUE(client_->command({"DEL", keys::assignments("node-1")}));
  pass();
  EXPECT_FALSE(container("web-1"));
}

TEST_F(ReconcilerTest, LeftoverWithOtherUidIsReplaced) {
  assign("web-1", "uid-old", 1, busybox_);
  pass();
  assign("web-1", "uid-new", 1, busybox_);
  pass();

  auto info = container("web-1");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->labels["raictl.uid"], "uid-new");
  EXPECT_TRUE(info->running());
}

TEST_F(ReconcilerTest, LabelsContainerWithAssignmentUid) {
  assign_copy("web-1", "copy-1");
  pass();

  auto info = container("web-1");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->labels["raictl.assignment"], "copy-1");
  EXPECT_EQ(info->labels["raictl.uid"], "uid-1");
}

TEST_F(ReconcilerTest, ContainerOfOtherCopyIsReplaced) {
  assign_copy("web-1", "copy-1");
  pass();
  std::string old_id = container("web-1")->id;
  runtime_.clear_calls();

  assign_copy("web-1", "copy-2");
  pass();

  auto info = container("web-1");
  ASSERT_TRUE(info);
  EXPECT_NE(info->id, old_id);
  EXPECT_EQ(info->labels["raictl.assignment"], "copy-2");
  EXPECT_TRUE(info->running());
  int removed = runtime_.first(Operation::kRemoveContainer, old_id);
  ASSERT_GE(removed, 0);
  EXPECT_LT(removed, runtime_.first(Operation::kCreateContainer, "web-1"));
  EXPECT_TRUE(spec_changes().empty()) << "a live entry's copy is not confirmed as removed";
}

TEST_F(ReconcilerTest, ContainerWithoutAssignmentLabelMatchesByUid) {
  // A container created before assignment uids existed carries only raictl.uid.
  ContainerConfig old;
  old.name = "web-1";
  old.image = "raictl/busybox:latest";
  old.labels = {{"raictl.managed", "true"}, {"raictl.uid", "uid-1"}, {"raictl.generation", "1"}};
  auto id = runtime_.create_container(old);
  ASSERT_TRUE(id);
  ASSERT_TRUE(runtime_.start_container(*id));
  assign("web-1", "uid-1", 1, busybox_);
  runtime_.clear_calls();

  pass();
  EXPECT_EQ(runtime_.first(Operation::kRemoveContainer), -1);
  EXPECT_EQ(runtime_.first(Operation::kCreateContainer), -1);
  EXPECT_EQ(status("web-1")["containerId"], *id);
}

TEST_F(ReconcilerTest, FirstPassFencesBeforeCreatingOrWiring) {
  assign_copy("web-1", "copy-1");
  assign_copy("web-2", "copy-2");
  pass();
  std::string moved_id = container("web-1")->id;
  std::string deleted_id = container("web-2")->id;

  // While the node was down, web-1 moved to another host and web-2 was deleted for good.
  reconciler_.reset();
  runtime_.clear_calls();
  assign_copy("web-1", "copy-1", /*evicted=*/true);
  ASSERT_TRUE(client_->command({"HDEL", keys::assignments("node-1"), "web-2"}));
  assign_copy("web-3", "copy-3");
  pass();

  EXPECT_FALSE(container("web-1"));
  EXPECT_FALSE(container("web-2"));
  ASSERT_TRUE(container("web-3"));
  int first_wiring = runtime_.first(Operation::kEnsureNetwork);
  int first_create = runtime_.first(Operation::kCreateContainer);
  ASSERT_GE(first_wiring, 0);
  ASSERT_GE(first_create, 0);
  for (const auto& id : {moved_id, deleted_id}) {
    int removed = runtime_.first(Operation::kRemoveContainer, id);
    ASSERT_GE(removed, 0) << id;
    EXPECT_LT(removed, first_wiring) << id;
    EXPECT_LT(removed, first_create) << id;
  }
}

TEST_F(ReconcilerTest, EvictedCopyConfirmedWithAssignmentUid) {
  assign_copy("web-1", "copy-1");
  pass();
  // The live copy now runs on node-2, which writes the status.
  ASSERT_TRUE(store_.put_status("web-1", {{"phase", "Running"}, {"node", "node-2"}}));

  assign_copy("web-1", "copy-1", /*evicted=*/true);
  pass();

  EXPECT_FALSE(container("web-1"));
  auto confirmations = spec_changes();
  ASSERT_EQ(confirmations.size(), 1u);
  EXPECT_EQ(confirmations[0]["op"], "removed");
  EXPECT_EQ(confirmations[0]["uid"], "uid-1");
  EXPECT_EQ(confirmations[0]["assignment"], "copy-1");
  EXPECT_EQ(status("web-1")["node"], "node-2") << "the evicted copy wrote the live copy's status";
}

TEST_F(ReconcilerTest, EvictedEntryWithoutContainerIsConfirmed) {
  assign_copy("web-1", "copy-1", /*evicted=*/true);
  pass();

  auto confirmations = spec_changes();
  ASSERT_EQ(confirmations.size(), 1u);
  EXPECT_EQ(confirmations[0]["assignment"], "copy-1");
  EXPECT_EQ(runtime_.call_count(Operation::kCreateContainer), 0);
}

TEST_F(ReconcilerTest, FailedFenceHoldsBackNewCopy) {
  assign_copy("web-1", "copy-1");
  pass();
  runtime_.fail_once(Operation::kRemoveContainer,
                     make_error(ErrorCode::kUnavailable, "dockerd went away"));

  assign_copy("web-1", "copy-2");
  auto first = pass();
  EXPECT_EQ(first.pending, 1);
  EXPECT_EQ(container("web-1")->labels["raictl.assignment"], "copy-1");
  EXPECT_EQ(runtime_.call_count(Operation::kCreateContainer), 1);

  pass();
  EXPECT_EQ(container("web-1")->labels["raictl.assignment"], "copy-2");
}

TEST_F(ReconcilerTest, RewriteStatusesWritesUnchangedStatus) {
  assign("web-1", "uid-1", 1, busybox_);
  pass();
  // The controller marks the container Unknown while the host is NotReady.
  ASSERT_TRUE(store_.put_status("web-1", {{"phase", "Unknown"}, {"reason", "NodeNotReady"}}));

  pass();
  ASSERT_EQ(status("web-1")["phase"], "Unknown") << "an ordinary pass skips unchanged writes";

  reconciler().rewrite_statuses();
  pass();
  EXPECT_EQ(status("web-1")["phase"], "Running");
}

TEST_F(ReconcilerTest, RewriteStatusesCoversContainerInBackoff) {
  assign("web-1", "uid-1", 1, busybox_);
  pass();
  ASSERT_TRUE(runtime_.exit_container("web-1", 1));
  pass();
  ASSERT_EQ(status("web-1")["phase"], "CrashLoopBackOff");
  ASSERT_TRUE(store_.put_status("web-1", {{"phase", "Unknown"}, {"reason", "NodeNotReady"}}));

  reconciler().rewrite_statuses();
  pass();
  EXPECT_EQ(status("web-1")["phase"], "CrashLoopBackOff");
  EXPECT_EQ(runtime_.call_count(Operation::kStartContainer), 1) << "restarted before backoff";
}

TEST_F(ReconcilerTest, ForeignContainerHoldingNameIsClearError) {
  ContainerConfig foreign;
  foreign.name = "web-1";
  foreign.image = "raictl/busybox:latest";
  ASSERT_TRUE(runtime_.create_container(foreign));

  assign("web-1", "uid-1", 1, busybox_);
  pass();
  EXPECT_EQ(status("web-1")["reason"], "NameConflict");
  EXPECT_NE(status("web-1")["message"].get<std::string>().find("docker rm -f web-1"),
            std::string::npos);
}

TEST_F(ReconcilerTest, EngineFailureIsRetriedOnNextPass) {
  runtime_.fail_once(Operation::kCreateContainer,
                     make_error(ErrorCode::kUnavailable, "dockerd went away"));
  assign("web-1", "uid-1", 1, busybox_);
  auto failed = pass();
  EXPECT_EQ(failed.pending, 1);
  ASSERT_TRUE(failed.wake_at);

  now_ = *failed.wake_at;
  pass();
  EXPECT_EQ(status("web-1")["phase"], "Running");
}

TEST_F(ReconcilerTest, RestartCountSurvivesNewReconciler) {
  assign("web-1", "uid-1", 1, busybox_);
  pass();
  ASSERT_TRUE(runtime_.exit_container("web-1", 1));
  now_ = *pass().wake_at;
  pass();
  ASSERT_EQ(status("web-1")["restarts"], 1);

  reconciler_.reset();
  ASSERT_TRUE(runtime_.exit_container("web-1", 1));
  now_ = *pass().wake_at;
  pass();
  EXPECT_EQ(status("web-1")["restarts"], 2);
}

class OverlayTest : public ReconcilerTest {
 protected:
  OverlayTest() {
    options_.overlay.enabled = true;
    options_.overlay.local_address = "10.210.0.11";
    options_.overlay.underlay_device = "eth0";
    options_.overlay.mtu = 1450;
    network_.add_device("eth0", 1500, {"10.210.0.11"});
    // Docker creates the bridge with the network; the fake host network cannot see the
    // fake engine, so the test creates it.
    network_.add_bridge(bridge_name("default"), 1450);
  }

  Reconciler& overlay_reconciler() {
    if (!reconciler_) {
      reconciler_ = std::make_unique<Reconciler>(
          runtime_, store_, options_, [this] { return now_; }, &network_);
    }
    return *reconciler_;
  }

  void register_node(const std::string& name, const std::string& address) {
    ASSERT_TRUE(store_.put_node(name, {{"name", name}, {"address", address}}));
  }

  FakeHostNetwork network_;
};

TEST_F(OverlayTest, WiresVxlanToPoolBridgeWithOnePeerPerOtherHost) {
  register_node("node-1", "10.210.0.11");
  register_node("node-2", "10.210.0.12");
  register_node("node-3", "10.210.0.13");
  assign("web-1", "uid-1", 1, busybox_);
  ASSERT_TRUE(overlay_reconciler().run_pass());

  auto device = network_.vxlan(vxlan_name("default"));
  ASSERT_TRUE(device);
  EXPECT_EQ(device->spec.bridge, bridge_name("default"));
  EXPECT_EQ(device->spec.local_address, "10.210.0.11");
  EXPECT_EQ(device->spec.mtu, 1450);
  EXPECT_EQ(device->peers, (std::set<std::string>{"10.210.0.12", "10.210.0.13"}));
  EXPECT_EQ(runtime_.inspect_network("raictl-default")->mtu, 1450);
}

TEST_F(OverlayTest, HostThatLeavesLosesItsPeerEntry) {
  register_node("node-1", "10.210.0.11");
  register_node("node-2", "10.210.0.12");
  assign("web-1", "uid-1", 1, busybox_);
  ASSERT_TRUE(overlay_reconciler().run_pass());

  ASSERT_TRUE(client_->command({"HDEL", keys::nodes(), "node-2"}));
  ASSERT_TRUE(overlay_reconciler().run_pass());
  auto device = network_.vxlan(vxlan_name("default"));
  ASSERT_TRUE(device);
  EXPECT_TRUE(device->peers.empty());
}

TEST_F(OverlayTest, OverlayFailureShowsInStatus) {
  register_node("node-1", "10.210.0.11");
  network_.remove_device(bridge_name("default"));
  assign("web-1", "uid-1", 1, busybox_);
  ASSERT_TRUE(overlay_reconciler().run_pass());

  EXPECT_EQ(status("web-1")["reason"], "NetworkFailed");
  EXPECT_NE(status("web-1")["message"].get<std::string>().find(bridge_name("default")),
            std::string::npos);
}

TEST(BackoffTest, DoublesUpToMaximum) {
  BackoffPolicy policy{milliseconds(10'000), milliseconds(300'000), milliseconds(600'000)};
  EXPECT_EQ(backoff_delay(policy, 0), seconds(10));
  EXPECT_EQ(backoff_delay(policy, 1), seconds(20));
  EXPECT_EQ(backoff_delay(policy, 4), seconds(160));
  EXPECT_EQ(backoff_delay(policy, 5), seconds(300));
  EXPECT_EQ(backoff_delay(policy, 50), seconds(300));
}

TEST(NamesTest, BridgeNameFitsLinuxLimitAndIsStable) {
  std::string long_pool(63, 'p');
  EXPECT_LE(bridge_name(long_pool).size(), 15u);
  EXPECT_EQ(bridge_name("default"), bridge_name("default"));
  EXPECT_NE(bridge_name("default"), bridge_name("other"));
  EXPECT_EQ(network_name("default"), "raictl-default");
}

}  // namespace
}  // namespace raictl::reconciler
