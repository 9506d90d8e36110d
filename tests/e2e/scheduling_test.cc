#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/simulated_cluster.h"
#include "tests/e2e/single_host.h"

namespace raictl::testing {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// scripts/cluster.sh runs the hosts with a 1 s heartbeat and the controller with a 5 s grace.
constexpr auto kGrace = seconds(5);

// One container of a test manifest. It sleeps, and stops within a second when asked, so a
// stopped host's dockerd does not wait 10 s for it.
struct Box {
  explicit Box(std::string container_name) : name(std::move(container_name)) {}
  Box& pinned_to(std::string host) {
    node = std::move(host);
    return *this;
  }
  Box& requests(std::string quantity) {
    memory = std::move(quantity);
    return *this;
  }
  Box& selects(const std::string& key, const std::string& value) {
    selector[key] = value;
    return *this;
  }

  std::string name;
  std::string node;    // spec.node, or empty to let the scheduler choose
  std::string memory;  // spec.resources.memory, or empty to request nothing
  std::map<std::string, std::string> selector;
};

std::string manifest(const Box& box) {
  std::string text =
      "---\napiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: " + box.name +
      "\nspec:\n  image: raictl/busybox:latest\n" +
      "  command: [sleep, \"100000\"]\n  stopGracePeriodSeconds: 1\n";
  if (!box.node.empty()) {
    text += "  node: " + box.node + "\n";
  }
  if (!box.memory.empty()) {
    text += "  resources:\n    memory: " + box.memory + "\n";
  }
  if (!box.selector.empty()) {
    text += "  nodeSelector:\n";
    for (const auto& [key, value] : box.selector) {
      text += "    " + key + ": " + value + "\n";
    }
  }
  return text;
}

std::string manifest(const std::vector<Box>& boxes) {
  std::string text;
  for (const auto& box : boxes) {
    text += manifest(box);
  }
  return text;
}

std::vector<std::string> numbered(const std::string& prefix, int count) {
  std::vector<std::string> names;
  for (int i = 1; i <= count; ++i) {
    names.push_back(prefix + std::to_string(i));
  }
  return names;
}

// The line of a table that is `name` or starts with `name` and a space, or empty when there
// is none.
std::string line_of(const std::string& table, const std::string& name) {
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line)) {
    if (line == name || line.rfind(name + " ", 0) == 0) {
      return line;
    }
  }
  return "";
}

// One string field of a status, or empty when the status or the field is missing (a name
// that statuses() did not list reads as null).
std::string field(const nlohmann::json& status, const std::string& key) {
  if (!status.is_object() || !status.contains(key) || !status[key].is_string()) {
    return "";
  }
  return status[key].get<std::string>();
}

// Every scenario gets a cluster of its own, so none depends on what another left behind.
class SchedulingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(SimulatedCluster::bridge_in_use())
        << "the bridge rcl-br0 exists, so another simulated cluster (scripts/demo.sh or an e2e "
           "test) is running; stop it with scripts/cluster.sh down before running this test";
    cluster_ = std::make_unique<SimulatedCluster>();
  }

  void TearDown() override { cluster_.reset(); }

  void bring_up(int nodes, const std::vector<std::string>& extra = {}) {
    auto up = cluster_->up(nodes, extra);
    ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
    auto pool = cluster_->raictl({"apply", "-f", source_path("manifests/examples/pool.yaml")});
    ASSERT_EQ(pool.exit_code, 0) << pool.err;
  }

  void apply(const std::string& file_name, const std::string& text) {
    auto applied = cluster_->apply(file_name, text);
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  }

  void wait_running(const std::vector<std::string>& names, seconds limit = seconds(120)) {
    ASSERT_TRUE(eventually([&] { return cluster_->all_running(names); }, limit))
        << cluster_->diagnostics();
  }

  // Container name -> node of its status, for the names given.
  std::map<std::string, std::string> nodes_of(const std::vector<std::string>& names) {
    auto all = cluster_->statuses();
    std::map<std::string, std::string> out;
    for (const auto& name : names) {
      out[name] = all.contains(name) ? field(all[name], "node") : "";
    }
    return out;
  }

  // The identity of the controller that holds the lease, from "<identity> <token>" in
  // raictl:leader.
  std::string leader_identity() {
    auto value = cluster_->redis({"GET", "raictl:leader"}).out;
    return value.substr(0, value.find(' '));
  }

  // What host_outage() measured.
  struct Outage {
    size_t moved = 0;  // containers that were on host-2 and moved
    double moved_seconds = 0;
    double cleaned_seconds = 0;
    int samples = 0;
    int two_copy_samples = 0;
  };

  // Runs move-1 to move-6 and pin-2 (pinned to host-2) on three hosts, then takes host-2
  // away with the cluster.sh command `fail`. Checks that host-2's unpinned containers run
  // elsewhere with new addresses within the grace plus 15 s, that pin-2 is Unknown, and
  // that the old addresses stay held. Then brings host-2 back with `restore` and checks
  // that its old copies and the held addresses go and pin-2 runs again. An AddressSampler
  // watches the whole outage. With `old_copies_run`, host-2 keeps running its copies during
  // the outage, and the sampler must see them beside their replacements a few times before
  // host-2 comes back.
  void host_outage(const std::vector<std::string>& fail, const std::vector<std::string>& restore,
                   bool old_copies_run, Outage& outage) {
    ASSERT_NO_FATAL_FAILURE(bring_up(3));
    auto names = numbered("move-", 6);
    std::vector<Box> boxes;
    for (const auto& name : names) {
      boxes.push_back(Box(name));
    }
    boxes.push_back(Box("pin-2").pinned_to("host-2"));
    ASSERT_NO_FATAL_FAILURE(apply("move.yaml", manifest(boxes)));
    names.push_back("pin-2");
    ASSERT_NO_FATAL_FAILURE(wait_running(names));
    names.pop_back();

    // The containers on host-2 that may move, with the addresses they had there.
    std::map<std::string, std::string> moving;
    auto before = cluster_->statuses();
    for (const auto& name : names) {
      if (field(before[name], "node") == "host-2") {
        moving[name] = field(before[name], "ip");
      }
    }
    ASSERT_FALSE(moving.empty()) << cluster_->diagnostics();
    outage.moved = moving.size();

    AddressSampler sampler(*cluster_, 3);
    auto failed_at = Clock::now();
    // stop-node returns only once dockerd stopped, which takes a few seconds.
    auto failing = std::async(std::launch::async, [&] { return cluster_->script(fail); });

    auto moved = [&] {
      auto all = cluster_->statuses();
      for (const auto& [name, old_ip] : moving) {
        const auto& status = all[name];
        if (field(status, "phase") != "Running" || field(status, "node") == "host-2" ||
            field(status, "ip") == old_ip || field(status, "ip").empty()) {
          return false;
        }
      }
      return true;
    };
    ASSERT_TRUE(eventually(moved, kGrace + seconds(15))) << cluster_->diagnostics();
    outage.moved_seconds = seconds_since(failed_at);

    // The pinned container cannot move, so it waits for its host.
    auto pinned = cluster_->statuses()["pin-2"];
    EXPECT_EQ(field(pinned, "phase"), "Unknown") << pinned.dump();
    EXPECT_EQ(field(pinned, "reason"), "NodeNotReady") << pinned.dump();

    // The cluster cannot tell whether host-2's copies still run, so their addresses stay held.
    auto while_held = cluster_->raictl({"ipam", "check"});
    EXPECT_EQ(while_held.exit_code, 0) << while_held.out << while_held.err;
    for (const auto& [name, old_ip] : moving) {
      EXPECT_NE(while_held.out.find("held: " + old_ip + " "), std::string::npos)
          << old_ip << " of " << name << " is not listed as held:\n"
          << while_held.out;
    }

    if (old_copies_run) {
      ASSERT_TRUE(eventually([&] { return sampler.two_copy_samples() >= 3; }, seconds(15)))
          << "fewer than 3 samples saw an old copy on host-2 beside its replacement";
    }

    auto failed = failing.get();
    ASSERT_EQ(failed.exit_code, 0) << failed.out << failed.err;
    auto restored_at = Clock::now();
    auto restored = cluster_->script(restore);
    ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;

    auto clean = [&] {
      auto check = cluster_->raictl({"ipam", "check"});
      return check.exit_code == 0 && check.out.find("held: ") == std::string::npos;
    };
    ASSERT_TRUE(eventually(clean, seconds(60))) << cluster_->diagnostics();
    outage.cleaned_seconds = seconds_since(restored_at);
    ASSERT_NO_FATAL_FAILURE(wait_running({"pin-2"}, seconds(60)));
    EXPECT_EQ(nodes_of({"pin-2"})["pin-2"], "host-2");

    auto left = cluster_->docker(2, {"ps", "-a", "--format", "{{.Names}}"});
    for (const auto& [name, old_ip] : moving) {
      EXPECT_EQ(line_of(left.out, name), "") << name << " is still on host-2:\n" << left.out;
    }
    EXPECT_TRUE(moved()) << cluster_->diagnostics();

    sampler.stop();
    outage.samples = sampler.samples();
    outage.two_copy_samples = sampler.two_copy_samples();
    EXPECT_GT(sampler.samples(), 5);
    EXPECT_TRUE(sampler.conflicts().empty())
        << "an address was on two running containers: " << sampler.conflicts().front();
  }

  std::unique_ptr<SimulatedCluster> cluster_;
};

TEST_F(SchedulingTest, PlacesByMemoryAndLabels) {
  auto started = Clock::now();
  ASSERT_NO_FATAL_FAILURE(bring_up(3, {"--node-flags", "host-1=--memory 1Gi --label disk=hdd",
                                       "--node-flags", "host-2=--memory 2Gi --label disk=ssd",
                                       "--node-flags", "host-3=--memory 4Gi --label disk=ssd"}));

  // Each fitting container has exactly one host that satisfies it, whatever the order of
  // placement: only host-3 has 3Gi, only host-1 has disk=hdd, and only host-2 is in zone b
  // (cluster.sh gives odd hosts zone=a and even hosts zone=b).
  std::vector<Box> boxes = {
      Box("fit-big").requests("3Gi"),
      Box("fit-hdd").requests("512Mi").selects("disk", "hdd"),
      Box("fit-zone-b").requests("1536Mi").selects("zone", "b"),
      Box("too-big").requests("8Gi"),
      Box("no-match").selects("disk", "nvme"),
  };
  ASSERT_NO_FATAL_FAILURE(apply("fit.yaml", manifest(boxes)));
  ASSERT_NO_FATAL_FAILURE(wait_running({"fit-big", "fit-hdd", "fit-zone-b"}));

  auto placed = nodes_of({"fit-big", "fit-hdd", "fit-zone-b"});
  EXPECT_EQ(placed["fit-big"], "host-3");
  EXPECT_EQ(placed["fit-hdd"], "host-1");
  EXPECT_EQ(placed["fit-zone-b"], "host-2");

  // The reason counts the hosts that failed each rule.
  ASSERT_TRUE(eventually(
      [&] {
        return field(cluster_->statuses()["too-big"], "message").find("3 insufficient memory") !=
               std::string::npos;
      },
      seconds(30)))
      << cluster_->diagnostics();
  auto all = cluster_->statuses();
  EXPECT_EQ(field(all["too-big"], "phase"), "Pending");
  EXPECT_NE(field(all["too-big"], "message").find("0/3 nodes available"), std::string::npos)
      << all["too-big"].dump();
  EXPECT_EQ(field(all["no-match"], "phase"), "Pending");
  EXPECT_NE(field(all["no-match"], "message").find("0/3 nodes available"), std::string::npos)
      << all["no-match"].dump();

  auto described = cluster_->raictl({"describe", "container", "too-big"});
  EXPECT_NE(described.out.find("0/3 nodes available"), std::string::npos) << described.out;
  EXPECT_NE(described.out.find("3 insufficient memory"), std::string::npos) << described.out;
  auto listed = cluster_->raictl({"get", "containers"});
  EXPECT_NE(line_of(listed.out, "too-big").find("Unschedulable"), std::string::npos) << listed.out;

  // A host with room joins: the pending container goes there without a new apply.
  auto joined_at = Clock::now();
  ASSERT_NO_FATAL_FAILURE(bring_up(4, {"--node-flags", "host-4=--memory 16Gi --label disk=ssd"}));
  ASSERT_NO_FATAL_FAILURE(wait_running({"too-big"}, seconds(60)));
  EXPECT_EQ(nodes_of({"too-big"})["too-big"], "host-4");
  auto no_match = cluster_->statuses()["no-match"];
  EXPECT_EQ(field(no_match, "phase"), "Pending");
  EXPECT_NE(field(no_match, "message").find("0/4 nodes available"), std::string::npos)
      << no_match.dump();

  std::cout << "[ timing ] host-4 up to too-big Running: " << seconds_since(joined_at)
            << " s; scenario: " << seconds_since(started) << " s\n";
}

TEST_F(SchedulingTest, StandbyFinishesAfterLeaderKilled) {
  auto started = Clock::now();
  // 7 containers of 100Mi fit in 768Mi and 8 do not, so 20 containers fill 20 of the 21
  // places: a host that got an eighth would be overbooked.
  ASSERT_NO_FATAL_FAILURE(
      bring_up(3, {"--node-flags", "host-1=--memory 768Mi", "--node-flags", "host-2=--memory 768Mi",
                   "--node-flags", "host-3=--memory 768Mi"}));
  ChildProcess standby(
      {binary_path("controller/raictl-controller"), "--redis", cluster_->redis_url(), "--consumer",
       "standby", "--heartbeat-interval", "1", "--node-grace", "5"},
      cluster_->file("standby.log"));

  // The cluster's controller started first, so it leads and the new one waits.
  ASSERT_TRUE(eventually([&] { return leader_identity() == "cluster"; }, seconds(15)))
      << "raictl:leader is '" << cluster_->redis({"GET", "raictl:leader"}).out << "'"
      << cluster_->diagnostics();
  ASSERT_TRUE(standby.running());
  int leader_pid = cluster_->controller_pid();
  ASSERT_GT(leader_pid, 0);

  // The leader places a batch of 20 within about 0.1 s, too fast to kill it in the middle.
  // So the containers are applied one at a time, 100 ms apart, and the leader dies once it
  // has placed five. The rest arrive while no controller leads, and the standby places them.
  auto placements = [&] {
    return std::atoi(cluster_->redis({"HLEN", "raictl:placements"}).out.c_str());
  };
  int placed_at_kill = -1;
  Clock::time_point killed_at;
  for (const auto& name : numbered("lease-", 20)) {
    ASSERT_NO_FATAL_FAILURE(apply(name + ".yaml", manifest(Box(name).requests("100Mi"))));
    if (placed_at_kill < 0 && placements() >= 5) {
      ASSERT_EQ(kill(leader_pid, SIGKILL), 0);
      killed_at = Clock::now();
      placed_at_kill = placements();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(placed_at_kill, 0) << "the leader placed fewer than 5 of 20 containers"
                               << cluster_->diagnostics();

  ASSERT_TRUE(eventually([&] { return leader_identity() == "standby"; }, seconds(30)))
      << cluster_->diagnostics();
  double takeover = seconds_since(killed_at);
  auto names = numbered("lease-", 20);
  ASSERT_NO_FATAL_FAILURE(wait_running(names));
  double all_running = seconds_since(killed_at);

  auto all = cluster_->statuses();
  std::map<std::string, int> per_node;
  std::set<std::string> addresses;
  for (const auto& name : names) {
    ++per_node[field(all[name], "node")];
    addresses.insert(field(all[name], "ip"));
  }
  for (const auto& [node, count] : per_node) {
    EXPECT_LE(count * 100, 768) << node << " runs " << count << " containers of 100Mi";
    auto booked = cluster_->redis({"HGET", "raictl:allocated:" + node, "memoryBytes"});
    EXPECT_LE(std::atoll(booked.out.c_str()), 768LL << 20) << node;
  }
  EXPECT_EQ(addresses.size(), names.size());
  auto check = cluster_->raictl({"ipam", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  std::cout << "[ timing ] " << placed_at_kill
            << " of 20 placed when the leader was killed; standby leads after " << takeover
            << " s; all 20 Running after " << all_running
            << " s; scenario: " << seconds_since(started) << " s\n";
}

TEST_F(SchedulingTest, HostFailureMovesContainersAndFencesReturn) {
  auto started = Clock::now();
  Outage outage;
  ASSERT_NO_FATAL_FAILURE(
      host_outage({"stop-node", "host-2"}, {"start-node", "host-2"}, false, outage));

  std::cout << "[ timing ] " << outage.moved << " containers moved off host-2; stop-node to all "
            << "Running elsewhere: " << outage.moved_seconds
            << " s; start-node to ipam check clean: " << outage.cleaned_seconds << " s; "
            << outage.samples << " address samples, " << outage.two_copy_samples
            << " with two copies running; scenario: " << seconds_since(started) << " s\n";
}

// Unlike a stopped host, a cut-off one keeps running its old copies next to the new ones,
// so here the address sampler records two live copies of the same container at once.
TEST_F(SchedulingTest, PartitionedHostKeepsCopiesApart) {
  auto started = Clock::now();
  Outage outage;
  ASSERT_NO_FATAL_FAILURE(
      host_outage({"disconnect-node", "host-2"}, {"reconnect-node", "host-2"}, true, outage));

  std::cout << "[ timing ] " << outage.moved << " containers moved off host-2; disconnect-node "
            << "to all Running elsewhere: " << outage.moved_seconds
            << " s; reconnect-node to ipam check clean: " << outage.cleaned_seconds << " s; "
            << outage.samples << " address samples, " << outage.two_copy_samples
            << " with two copies running; scenario: " << seconds_since(started) << " s\n";
}

TEST_F(SchedulingTest, DrainMovesUnpinnedContainers) {
  auto started = Clock::now();
  ASSERT_NO_FATAL_FAILURE(bring_up(3));
  auto names = numbered("drain-", 6);
  std::vector<Box> boxes;
  for (const auto& name : names) {
    boxes.push_back(Box(name));
  }
  boxes.push_back(Box("pin-3").pinned_to("host-3"));
  ASSERT_NO_FATAL_FAILURE(apply("drain.yaml", manifest(boxes)));
  names.push_back("pin-3");
  ASSERT_NO_FATAL_FAILURE(wait_running(names));
  names.pop_back();
  auto before = nodes_of(names);
  int on_host_3 = 0;
  for (const auto& [name, node] : before) {
    on_host_3 += node == "host-3";
  }
  ASSERT_GT(on_host_3, 0) << cluster_->diagnostics();

  auto drain_started = Clock::now();
  auto drained = cluster_->raictl({"drain", "host-3", "--timeout", "120"});
  double drain_time = seconds_since(drain_started);
  ASSERT_EQ(drained.exit_code, 0) << drained.out << drained.err << cluster_->diagnostics();
  EXPECT_NE(drained.out.find("pin-3"), std::string::npos) << drained.out;

  ASSERT_NO_FATAL_FAILURE(wait_running(names, seconds(30)));
  for (const auto& [name, node] : nodes_of(names)) {
    EXPECT_NE(node, "host-3") << name;
  }
  EXPECT_EQ(nodes_of({"pin-3"})["pin-3"], "host-3");
  EXPECT_TRUE(cluster_->all_running({"pin-3"}));

  auto nodes = cluster_->raictl({"get", "nodes"});
  EXPECT_NE(line_of(nodes.out, "host-3").find("SchedulingDisabled"), std::string::npos)
      << nodes.out;

  // A cordoned host gets nothing new.
  auto later = numbered("after-", 4);
  std::vector<Box> later_boxes;
  for (const auto& name : later) {
    later_boxes.push_back(Box(name));
  }
  ASSERT_NO_FATAL_FAILURE(apply("after.yaml", manifest(later_boxes)));
  ASSERT_NO_FATAL_FAILURE(wait_running(later));
  for (const auto& [name, node] : nodes_of(later)) {
    EXPECT_NE(node, "host-3") << name;
  }

  std::cout << "[ timing ] raictl drain host-3 moved " << on_host_3 << " containers in "
            << drain_time << " s; scenario: " << seconds_since(started) << " s\n";
}

}  // namespace
}  // namespace raictl::testing
