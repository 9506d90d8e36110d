#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <set>

#include "tests/e2e/single_host.h"

namespace raictl::testing {
namespace {

using std::chrono::seconds;

// Three simulated hosts from scripts/cluster.sh: each a network namespace with its own
// dockerd and raictl-node, joined by an underlay bridge, with the VXLAN overlay between
// them. The cluster's state lives in this test's temporary directory.
class MultiHostTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("raictl-mh");
    auto up = cluster({"up", "--nodes", "3"});
    ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  }

  static void TearDownTestSuite() {
    cluster({"down"});
    delete dir_;
    dir_ = nullptr;
  }

  static CommandResult cluster(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {source_path("scripts/cluster.sh")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--build", std::string(RAICTL_BINARY_DIR)});
    return run_command(argv, "", {{"RAICTL_CLUSTER_DIR", dir_->path()}}, seconds(600));
  }

  static std::string redis_url() { return "unix://" + dir_->file("redis.sock"); }

  static CommandResult raictl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {binary_path("raictl/raictl")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, "", {{"RAICTL_REDIS", redis_url()}});
  }

  static CommandResult docker(int host, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {
        "/usr/bin/docker", "-H",
        "unix://" + dir_->file("host-" + std::to_string(host) + "/docker/docker.sock")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }

  static nlohmann::json statuses() {
    auto result = raictl({"get", "containers", "-o", "json"});
    std::map<std::string, nlohmann::json> out;
    try {
      auto json = nlohmann::json::parse(result.out);
      auto items = json.contains("items") ? json["items"] : nlohmann::json::array({json});
      nlohmann::json by_name = nlohmann::json::object();
      for (const auto& item : items) {
        by_name[item["metadata"]["name"].get<std::string>()] =
            item.value("status", nlohmann::json::object());
      }
      return by_name;
    } catch (const nlohmann::json::exception&) {
      return nlohmann::json::object();
    }
  }

  static bool running(const std::vector<std::string>& names) {
    auto all = statuses();
    for (const auto& name : names) {
      if (!all.contains(name) || all[name].value("phase", "") != "Running") {
        return false;
      }
    }
    return true;
  }

  static int host_number(const std::string& node) { return node.back() - '0'; }

  static std::string apply_text(const std::string& name, const std::string& text) {
    std::string path = dir_->file(name);
    std::ofstream(path) << text;
    return path;
  }

  static std::string web_manifest(const std::string& name, const std::string& node = "") {
    std::string text =
        "---\napiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: " + name +
        "\nspec:\n  image: raictl/busybox:latest\n";
    if (!node.empty()) {
      text += "  node: " + node + "\n";
    }
    text += "  command: [sh, -c, \"mkdir -p /www && echo page of " + name +
            " > /www/index.html && exec httpd -f -p 80 -h /www\"]\n";
    return text;
  }

  static std::string fetch(int host, const std::string& from, const std::string& ip) {
    return docker(host, {"exec", from, "sh", "-c", "echo 'GET / HTTP/1.0' | nc -w 5 " + ip + " 80"})
        .out;
  }

  static TempDir* dir_;
};

TempDir* MultiHostTest::dir_ = nullptr;

TEST_F(MultiHostTest, NineContainersSpreadThreePerHostWithDistinctAddresses) {
  ASSERT_EQ(raictl({"apply", "-f", source_path("manifests/examples/pool.yaml")}).exit_code, 0);
  std::string text;
  std::vector<std::string> names;
  for (int i = 1; i <= 9; ++i) {
    names.push_back("spread-" + std::to_string(i));
    text += web_manifest(names.back());
  }
  auto applied = raictl({"apply", "-f", apply_text("spread.yaml", text)});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  ASSERT_TRUE(eventually([&] { return running(names); }, seconds(120)))
      << raictl({"get", "containers", "-o", "wide"}).out;

  auto all = statuses();
  std::map<std::string, int> per_host;
  std::set<std::string> addresses;
  for (const auto& name : names) {
    ++per_host[all[name]["node"].get<std::string>()];
    addresses.insert(all[name]["ip"].get<std::string>());
  }
  EXPECT_EQ(per_host, (std::map<std::string, int>{{"host-1", 3}, {"host-2", 3}, {"host-3", 3}}));
  EXPECT_EQ(addresses.size(), 9u);
}

TEST_F(MultiHostTest, ContainersReachEachOtherAcrossHosts) {
  std::string text = web_manifest("cross-1", "host-1") + web_manifest("cross-2", "host-2") +
                     web_manifest("cross-3", "host-3");
  ASSERT_EQ(raictl({"apply", "-f", source_path("manifests/examples/pool.yaml")}).exit_code, 0);
  ASSERT_EQ(raictl({"apply", "-f", apply_text("cross.yaml", text)}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return running({"cross-1", "cross-2", "cross-3"}); }, seconds(120)));
  auto all = statuses();

  for (const std::string target : {"cross-2", "cross-3"}) {
    std::string ip = all[target]["ip"];
    EXPECT_NE(fetch(1, "cross-1", ip).find("page of " + target), std::string::npos)
        << "cross-1 on host-1 could not fetch " << target << " at " << ip;
    auto ping = docker(1, {"exec", "cross-1", "ping", "-c", "1", "-W", "2", ip});
    EXPECT_EQ(ping.exit_code, 0) << ping.out << ping.err;
  }
  auto arp = docker(1, {"exec", "cross-1", "cat", "/proc/net/arp"});
  EXPECT_NE(arp.out.find(all["cross-2"]["ip"].get<std::string>()), std::string::npos) << arp.out;
}

TEST_F(MultiHostTest, FourthHostJoinsThenLeavesWithoutStalePeers) {
  auto up = cluster({"up", "--nodes", "4"});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  ASSERT_EQ(raictl({"apply", "-f", source_path("manifests/examples/pool.yaml")}).exit_code, 0);
  std::string text = web_manifest("join-1", "host-1") + web_manifest("join-4", "host-4");
  ASSERT_EQ(raictl({"apply", "-f", apply_text("join.yaml", text)}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return running({"join-1", "join-4"}); }, seconds(120)));

  std::string ip1 = statuses()["join-1"]["ip"];
  ASSERT_TRUE(eventually(
      [&] { return fetch(4, "join-4", ip1).find("page of join-1") != std::string::npos; },
      seconds(30)))
      << "join-4 on host-4 cannot reach join-1 at " << ip1;

  ASSERT_EQ(raictl({"delete", "container", "join-4", "--wait"}).exit_code, 0);
  auto removed = cluster({"remove-node", "host-4"});
  ASSERT_EQ(removed.exit_code, 0) << removed.out << removed.err;

  // 10.210.0.14 is host-4's underlay address in scripts/cluster.sh.
  ASSERT_TRUE(eventually(
      [&] {
        auto fdb = run_command({"bridge", "-n", "rcl-host-1", "fdb", "show"});
        return fdb.exit_code == 0 && fdb.out.find("10.210.0.14") == std::string::npos;
      },
      seconds(30)))
      << run_command({"bridge", "-n", "rcl-host-1", "fdb", "show"}).out;
}

TEST_F(MultiHostTest, NodeRestartRecreatesNothing) {
  ASSERT_EQ(raictl({"apply", "-f", source_path("manifests/examples/pool.yaml")}).exit_code, 0);
  std::string text = web_manifest("steady-1", "host-1") + web_manifest("steady-2", "host-2");
  ASSERT_EQ(raictl({"apply", "-f", apply_text("steady.yaml", text)}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return running({"steady-1", "steady-2"}); }, seconds(120)));
  auto before = statuses();

  std::ifstream pid_file(dir_->file("host-2/node.pid"));
  int pid = 0;
  pid_file >> pid;
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  ASSERT_TRUE(eventually([&] { return kill(pid, 0) != 0; }, seconds(30)));
  auto restarted = cluster({"up", "--nodes", "3"});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;

  std::string ip2 = before["steady-2"]["ip"];
  EXPECT_TRUE(eventually(
      [&] { return fetch(1, "steady-1", ip2).find("page of steady-2") != std::string::npos; },
      seconds(30)));
  auto after = statuses();
  EXPECT_EQ(after["steady-2"]["containerId"], before["steady-2"]["containerId"]);
  EXPECT_EQ(after["steady-2"]["restarts"], before["steady-2"]["restarts"]);
}

TEST_F(MultiHostTest, DockerAloneHandsOutSameAddressOnTwoHosts) {
  // Without raictl's IPAM: the same subnet on two hosts, and each dockerd picks on its own.
  for (int host : {1, 2}) {
    auto network = docker(host, {"network", "create", "--subnet", "10.77.0.0/24", "plain"});
    ASSERT_EQ(network.exit_code, 0) << network.err;
  }
  std::set<std::string> plain;
  for (int host : {1, 2}) {
    auto run = docker(host, {"run", "-d", "--name", "plain-box", "--network", "plain",
                             "raictl/busybox:latest", "sleep", "600"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    plain.insert(
        docker(host, {"inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                      "plain-box"})
            .out);
  }
  EXPECT_EQ(plain.size(), 1u) << "both hosts' dockerd chose the same address";
  for (int host : {1, 2}) {
    docker(host, {"rm", "-f", "plain-box"});
    docker(host, {"network", "rm", "plain"});
  }

  // With raictl: every address of every container in the cluster is distinct.
  auto check = raictl({"ipam", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  std::set<std::string> addresses;
  int count = 0;
  for (const auto& [name, status] : statuses().items()) {
    if (status.contains("ip")) {
      addresses.insert(status["ip"].get<std::string>());
      ++count;
    }
  }
  EXPECT_EQ(addresses.size(), static_cast<size_t>(count));
}

}  // namespace
}  // namespace raictl::testing
