#include "tests/e2e/single_host.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <set>

namespace raictl::testing {
namespace {

using std::chrono::seconds;

const std::vector<std::string> kWebs = {"web-1", "web-2", "web-3"};

class SingleHostTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { host_ = new SingleHost(); }
  static void TearDownTestSuite() {
    delete host_;
    host_ = nullptr;
  }

  void apply_examples() {
    auto pool = host_->raictl({"apply", "-f", host_->example("pool.yaml")});
    ASSERT_EQ(pool.exit_code, 0) << pool.err;
    auto web = host_->raictl({"apply", "-f", host_->example("web.yaml")});
    ASSERT_EQ(web.exit_code, 0) << web.err;
    ASSERT_TRUE(eventually([&] { return host_->all_running(kWebs); }, seconds(60)))
        << host_->raictl({"get", "containers"}).out;
  }

  std::string docker_ip(const std::string& name) {
    auto result = host_->docker(
        {"inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name});
    std::string ip = result.out;
    while (!ip.empty() && (ip.back() == '\n' || ip.back() == ' ')) {
      ip.pop_back();
    }
    return ip;
  }

  std::string fetch(const std::string& from, const std::string& ip) {
    auto result =
        host_->docker({"exec", from, "sh", "-c", "echo 'GET / HTTP/1.0' | nc -w 5 " + ip + " 80"});
    return result.out;
  }

  std::string write_manifest(const std::string& name, const std::string& text) {
    std::string path = dir_.file(name);
    std::ofstream(path) << text;
    return path;
  }

  static SingleHost* host_;
  TempDir dir_{"raictl-e2e-manifests"};
};

SingleHost* SingleHostTest::host_ = nullptr;

TEST_F(SingleHostTest, ExamplesRunWithDistinctAddressesThatDockerAgreesWith) {
  apply_examples();

  std::set<std::string> addresses;
  for (const auto& name : kWebs) {
    std::string ip = host_->status_of(name).value("ip", "");
    EXPECT_EQ(ip.rfind("10.89.0.", 0), 0u) << name << " has " << ip;
    EXPECT_EQ(docker_ip(name), ip) << name;
    addresses.insert(ip);
  }
  EXPECT_EQ(addresses.size(), kWebs.size());

  std::string page = fetch("web-1", host_->status_of("web-2").value("ip", ""));
  EXPECT_NE(page.find("hello from web-2"), std::string::npos) << page;
}

TEST_F(SingleHostTest, ChangedCommandRecreatesWithSameAddress) {
  apply_examples();
  auto before = host_->status_of("web-3");

  std::ifstream in(host_->example("web.yaml"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = text.find("hello from web-3");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 16, "hello again web3");
  auto applied = host_->raictl({"apply", "-f", write_manifest("web.yaml", text)});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find("container/web-3 configured"), std::string::npos) << applied.out;
  EXPECT_NE(applied.out.find("container/web-1 unchanged"), std::string::npos) << applied.out;

  ASSERT_TRUE(eventually(
      [&] {
        auto status = host_->status_of("web-3");
        return status.value("phase", "") == "Running" &&
               status.value("containerId", "") != before.value("containerId", "");
      },
      seconds(60)));
  EXPECT_EQ(host_->status_of("web-3").value("ip", ""), before.value("ip", ""));
  std::string page = fetch("web-1", before.value("ip", ""));
  EXPECT_NE(page.find("hello again web3"), std::string::npos) << page;

  ASSERT_EQ(host_->raictl({"apply", "-f", host_->example("web.yaml")}).exit_code, 0);
}

TEST_F(SingleHostTest, KilledContainerIsRestarted) {
  apply_examples();
  int restarts = host_->status_of("web-2").value("restarts", 0);

  auto killed = host_->docker({"kill", "web-2"});
  ASSERT_EQ(killed.exit_code, 0) << killed.err;

  ASSERT_TRUE(eventually(
      [&] {
        auto status = host_->status_of("web-2");
        return status.value("phase", "") == "Running" &&
               status.value("restarts", 0) == restarts + 1;
      },
      seconds(60)))
      << host_->status_of("web-2").dump();
}

TEST_F(SingleHostTest, DeleteRemovesContainersAndReleasesAddresses) {
  apply_examples();

  auto deleted = host_->raictl({"delete", "-f", host_->example("web.yaml"), "--wait"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;

  auto listed = host_->docker({"ps", "-a", "--filter", "label=raictl.managed=true", "-q"});
  EXPECT_EQ(listed.out, "");
  auto check = host_->raictl({"ipam", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  auto pools = host_->raictl({"get", "pools"});
  EXPECT_NE(pools.out.find("default"), std::string::npos);
}

TEST_F(SingleHostTest, ConvergesAfterKillNineOfControllerAndNode) {
  ASSERT_EQ(host_->raictl({"apply", "-f", host_->example("pool.yaml")}).exit_code, 0);
  std::string text;
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) {
    std::string name = "burst-" + std::to_string(i);
    names.push_back(name);
    text += "---\napiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: " + name +
            "\nspec:\n  image: raictl/busybox:latest\n  command: [sleep, '3600']\n";
  }
  auto applied = host_->raictl({"apply", "-f", write_manifest("burst.yaml", text)});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;

  host_->controller().stop(SIGKILL);
  host_->node().stop(SIGKILL);
  host_->start_controller();
  host_->start_node();

  ASSERT_TRUE(eventually([&] { return host_->all_running(names); }, seconds(90)))
      << host_->raictl({"get", "containers"}).out;
  std::set<std::string> addresses;
  for (const auto& name : names) {
    addresses.insert(docker_ip(name));
  }
  EXPECT_EQ(addresses.size(), names.size());
  auto check = host_->raictl({"ipam", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  auto deleted = host_->raictl({"delete", "-f", dir_.file("burst.yaml"), "--wait"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
}

TEST_F(SingleHostTest, UnknownImageShowsImageNotFound) {
  ASSERT_EQ(host_->raictl({"apply", "-f", host_->example("pool.yaml")}).exit_code, 0);
  auto run = host_->raictl({"run", "ghost", "--image", "raictl/missing:1.0"});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  ASSERT_TRUE(
      eventually([&] { return host_->status_of("ghost").value("reason", "") == "ImageNotFound"; },
                 seconds(30)))
      << host_->status_of("ghost").dump();
  EXPECT_NE(host_->status_of("ghost").value("message", "").find("raictl/missing:1.0"),
            std::string::npos);

  auto again = host_->raictl({"run", "ghost", "--image", "raictl/busybox:latest"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("ghost"), std::string::npos) << again.err;

  EXPECT_EQ(host_->raictl({"delete", "container", "ghost", "--wait"}).exit_code, 0);
}

TEST_F(SingleHostTest, BadInputChangesNothing) {
  ASSERT_EQ(host_->raictl({"apply", "-f", host_->example("pool.yaml")}).exit_code, 0);
  auto before = host_->raictl({"get", "containers", "-o", "name"}).out;

  struct Case {
    std::string name;
    std::string text;
    std::string expected;
  };
  const std::string head = "apiVersion: raictl.io/v1\nkind: Container\nmetadata:\n";
  std::vector<Case> cases = {
      {"duplicate-key", head + "  name: dup-a\n  name: dup-b\nspec:\n  image: busybox\n",
       "duplicate key"},
      {"tab", head + "  name: tabbed\nspec:\n\timage: busybox\n", "tab"},
      {"invalid-name", head + "  name: Web_1\nspec:\n  image: busybox\n", "Web_1"},
      {"outside-pool", head + "  name: far-away\nspec:\n  image: busybox\n  ip: 10.99.0.5\n",
       "10.99.0.5"},
  };
  for (const auto& c : cases) {
    auto result = host_->raictl({"apply", "-f", write_manifest(c.name + ".yaml", c.text)});
    EXPECT_EQ(result.exit_code, 1) << c.name;
    EXPECT_NE(result.err.find(c.expected), std::string::npos) << c.name << ": " << result.err;
  }
  EXPECT_EQ(host_->raictl({"get", "containers", "-o", "name"}).out, before);
}

TEST(SingleHostNoRedisTest, UnreachableRedisIsOneLineError) {
  auto result = run_command({binary_path("raictl/raictl"), "get", "containers"}, "",
                            {{"RAICTL_REDIS", "unix:///nonexistent/raictl.sock"}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("unix:///nonexistent/raictl.sock"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace raictl::testing
