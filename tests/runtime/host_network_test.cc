// Two programs are built from this file. Without RAICTL_NETLINK_INTEGRATION it contains the unit
// tests of the pure helpers and of FakeHostNetwork. With it, it contains the integration tests of
// NetlinkHostNetwork, which run as root in network namespaces that each test creates and
// deletes: two simulated hosts joined by a veth pair, each with a Linux bridge on a shared
// overlay subnet.

#include "runtime/host_network.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#if RAICTL_NETLINK_INTEGRATION
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "runtime/netlink_host_network.h"
#include "tests/support/process.h"
#else
#include "runtime/fake_host_network.h"
#endif

namespace raictl {
namespace {

VxlanSpec overlay_spec(const std::string& local_address) {
  VxlanSpec spec;
  spec.name = "vx0";
  spec.vni = 42;
  spec.port = kVxlanPort;
  spec.local_address = local_address;
  spec.mtu = 1450;
  spec.bridge = "br0";
  return spec;
}

#if !RAICTL_NETLINK_INTEGRATION

using Operation = FakeHostNetwork::Operation;

TEST(VxlanMtuForUnderlay, SubtractsVxlanHeaders) {
  struct Case {
    int underlay_mtu;
    int expected;
  };
  for (const auto& c : std::vector<Case>{{1500, 1450}, {9000, 8950}, {1450, 1400}}) {
    EXPECT_EQ(vxlan_mtu_for_underlay(c.underlay_mtu), c.expected) << "underlay " << c.underlay_mtu;
  }
}

TEST(ValidateVxlanSpec, AcceptsCompleteSpec) {
  VxlanSpec spec = overlay_spec("192.0.2.10");
  spec.underlay_device = "eth0";

  Status status = validate_vxlan_spec(spec);

  EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST(ValidateVxlanSpec, AcceptsZeroMtuAsKernelDefault) {
  VxlanSpec spec = overlay_spec("192.0.2.10");
  spec.mtu = 0;

  EXPECT_TRUE(validate_vxlan_spec(spec).ok());
}

TEST(ValidateVxlanSpec, RejectsEachInvalidField) {
  struct Case {
    const char* label;
    void (*change)(VxlanSpec&);
    const char* expected_text;  // the value the message must name
  };
  const std::vector<Case> cases = {
      {"empty name", [](VxlanSpec& s) { s.name = ""; }, "vxlan device name ''"},
      {"long name", [](VxlanSpec& s) { s.name = "vxlan-too-long-0"; }, "vxlan-too-long-0"},
      {"slash in name", [](VxlanSpec& s) { s.name = "vx/0"; }, "vx/0"},
      {"dot name", [](VxlanSpec& s) { s.name = "."; }, "'.'"},
      {"empty bridge", [](VxlanSpec& s) { s.bridge = ""; }, "bridge name ''"},
      {"bad underlay", [](VxlanSpec& s) { s.underlay_device = "eth 0"; }, "eth 0"},
      {"vni too big", [](VxlanSpec& s) { s.vni = kMaxVni + 1; }, "16777216"},
      {"port zero", [](VxlanSpec& s) { s.port = 0; }, "port 0"},
      {"local not ipv4", [](VxlanSpec& s) { s.local_address = "host-a"; }, "host-a"},
      {"local empty", [](VxlanSpec& s) { s.local_address = ""; }, "local address ''"},
      {"local ipv6", [](VxlanSpec& s) { s.local_address = "2001:db8::1"; }, "2001:db8::1"},
      {"mtu too small", [](VxlanSpec& s) { s.mtu = 67; }, "MTU 67"},
      {"mtu too big", [](VxlanSpec& s) { s.mtu = 65536; }, "MTU 65536"},
  };

  for (const auto& c : cases) {
    VxlanSpec spec = overlay_spec("192.0.2.10");
    c.change(spec);

    Status status = validate_vxlan_spec(spec);

    ASSERT_FALSE(status.ok()) << c.label;
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << c.label;
    EXPECT_NE(status.error().message.find(c.expected_text), std::string::npos)
        << c.label << ": " << status.error().message;
  }
}

TEST(ValidatePeerAddresses, RejectsNonIpv4Peer) {
  Status status = validate_peer_addresses("vx0", {"192.0.2.11", "192.0.2"});

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message.find("'192.0.2'"), std::string::npos) << status.error().message;
}

TEST(ValidatePeerAddresses, AcceptsEmptySet) {
  EXPECT_TRUE(validate_peer_addresses("vx0", {}).ok());
}

// A host as raictl-node finds it: an underlay device with the host's address and the bridge
// of the Docker network.
class FakeHostNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    network_.add_device("eth0", 1500, {"192.0.2.10"});
    network_.add_bridge("br0");
  }

  FakeHostNetwork network_;
};

TEST_F(FakeHostNetworkTest, EnsureVxlanCreatesUpDevice) {
  ASSERT_TRUE(network_.ensure_vxlan(overlay_spec("192.0.2.10")).ok());

  auto device = network_.vxlan("vx0");
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->spec.vni, 42u);
  EXPECT_EQ(device->spec.bridge, "br0");
  EXPECT_EQ(device->spec.mtu, 1450);
  EXPECT_TRUE(device->up);
  EXPECT_EQ(network_.vxlan_creations(), 1);
}

TEST_F(FakeHostNetworkTest, EnsureVxlanDefaultsMtuFromUnderlay) {
  VxlanSpec spec = overlay_spec("192.0.2.10");
  spec.mtu = 0;
  spec.underlay_device = "eth0";
  network_.add_device("eth0", 9000, {"192.0.2.10"});

  ASSERT_TRUE(network_.ensure_vxlan(spec).ok());

  EXPECT_EQ(network_.vxlan("vx0")->spec.mtu, 8950);
}

TEST_F(FakeHostNetworkTest, EnsureVxlanIsIdempotent) {
  ASSERT_TRUE(network_.ensure_vxlan(overlay_spec("192.0.2.10")).ok());
  ASSERT_TRUE(network_.sync_peers("vx0", {"192.0.2.11"}).ok());

  ASSERT_TRUE(network_.ensure_vxlan(overlay_spec("192.0.2.10")).ok());

  EXPECT_EQ(network_.vxlan_creations(), 1);
  EXPECT_EQ(network_.vxlan("vx0")->peers, std::set<std::string>{"192.0.2.11"});
}

TEST_F(FakeHostNetworkTest, EnsureVxlanRecreatesOnCreationSettings) {
  struct Case {
    const char* label;
    void (*change)(VxlanSpec&);
  };
  const std::vector<Case> cases = {
      {"vni", [](VxlanSpec& s) { s.vni = 43; }},
      {"port", [](VxlanSpec& s) { s.port = 8472; }},
      {"local address", [](VxlanSpec& s) { s.local_address = "192.0.2.20"; }},
  };

  for (const auto& c : cases) {
    FakeHostNetwork network;
    network.add_bridge("br0");
    ASSERT_TRUE(network.ensure_vxlan(overlay_spec("192.0.2.10")).ok()) << c.label;
    ASSERT_TRUE(network.sync_peers("vx0", {"192.0.2.11"}).ok()) << c.label;
    VxlanSpec changed = overlay_spec("192.0.2.10");
    c.change(changed);

    ASSERT_TRUE(network.ensure_vxlan(changed).ok()) << c.label;

    EXPECT_EQ(network.vxlan_creations(), 2) << c.label;
    EXPECT_TRUE(network.vxlan("vx0")->peers.empty()) << c.label;
  }
}

TEST_F(FakeHostNetworkTest, EnsureVxlanChangesMtuInPlace) {
  ASSERT_TRUE(network_.ensure_vxlan(overlay_spec("192.0.2.10")).ok());
  VxlanSpec spec = overlay_spec("192.0.2.10");
  spec.mtu = 1400;

  ASSERT_TRUE(network_.ensure_vxlan(spec).ok());

  EXPECT_EQ(network_.vxlan_creations(), 1);
  EXPECT_EQ(network_.device_mtu("vx0").value(), 1400);
}

TEST_F(FakeHostNetworkTest, EnsureVxlanReportsMissingBridge) {
  VxlanSpec spec = overlay_spec("192.0.2.10");
  spec.bridge = "rai1a2b3c4d";

  Status status = network_.ensure_vxlan(spec);

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.error().message.find("rai1a2b3c4d"), std::string::npos);
  EXPECT_FALSE(network_.vxlan("vx0").has_value());
}

TEST_F(FakeHostNetworkTest, EnsureVxlanReportsMissingUnderlay) {
  VxlanSpec spec = overlay_spec("192.0.2.10");
  spec.underlay_device = "eth9";

  Status status = network_.ensure_vxlan(spec);

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.error().message.find("eth9"), std::string::npos);
}

TEST_F(FakeHostNetworkTest, EnsureVxlanRejectsBridgeOfWrongKind) {
  VxlanSpec spec = overlay_spec("192.0.2.10");
  spec.bridge = "eth0";

  Status status = network_.ensure_vxlan(spec);

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
}

TEST_F(FakeHostNetworkTest, EnsureVxlanKeepsDeviceOfOtherKind) {
  network_.add_bridge("vx0");

  Status status = network_.ensure_vxlan(overlay_spec("192.0.2.10"));

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kConflict);
  EXPECT_TRUE(network_.device_mtu("vx0").ok());
  EXPECT_FALSE(network_.vxlan("vx0").has_value());
}

TEST_F(FakeHostNetworkTest, SyncPeersMakesExactSet) {
  ASSERT_TRUE(network_.ensure_vxlan(overlay_spec("192.0.2.10")).ok());
  ASSERT_TRUE(network_.sync_peers("vx0", {"192.0.2.11", "192.0.2.12"}).ok());

  ASSERT_TRUE(network_.sync_peers("vx0", {"192.0.2.12", "192.0.2.13"}).ok());

  auto peers = network_.list_peers("vx0");
  ASSERT_TRUE(peers.ok());
  EXPECT_EQ(*peers, (std::set<std::string>{"192.0.2.12", "192.0.2.13"}));
}

TEST_F(FakeHostNetworkTest, SyncPeersReportsMissingDevice) {
  Status status = network_.sync_peers("vx0", {"192.0.2.11"});

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.error().message.find("vx0"), std::string::npos);
}

TEST_F(FakeHostNetworkTest, ListPeersReportsDeviceOfOtherKind) {
  auto peers = network_.list_peers("br0");

  ASSERT_FALSE(peers.ok());
  EXPECT_EQ(peers.code(), ErrorCode::kConflict);
}

TEST_F(FakeHostNetworkTest, RemoveVxlanAcceptsMissingDevice) {
  ASSERT_TRUE(network_.ensure_vxlan(overlay_spec("192.0.2.10")).ok());

  ASSERT_TRUE(network_.remove_vxlan("vx0").ok());
  EXPECT_FALSE(network_.vxlan("vx0").has_value());
  EXPECT_TRUE(network_.remove_vxlan("vx0").ok());
}

TEST_F(FakeHostNetworkTest, RemoveVxlanKeepsBridge) {
  Status status = network_.remove_vxlan("br0");

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kConflict);
  EXPECT_TRUE(network_.device_mtu("br0").ok());
}

TEST_F(FakeHostNetworkTest, InjectedFailureLeavesStateUnchanged) {
  ASSERT_TRUE(network_.ensure_vxlan(overlay_spec("192.0.2.10")).ok());
  ASSERT_TRUE(network_.sync_peers("vx0", {"192.0.2.11"}).ok());
  network_.fail_next(Operation::kSyncPeers, make_error(ErrorCode::kUnavailable, "injected"));

  Status failed = network_.sync_peers("vx0", {"192.0.2.12"});
  Status retried = network_.sync_peers("vx0", {"192.0.2.13"});

  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(retried.ok());
  EXPECT_EQ(network_.vxlan("vx0")->peers, std::set<std::string>{"192.0.2.13"});
  EXPECT_EQ(network_.calls(Operation::kSyncPeers), 3);
}

TEST_F(FakeHostNetworkTest, InjectedFailureRepeatsForCount) {
  network_.fail_next(Operation::kDeviceMtu, make_error(ErrorCode::kInternal, "injected"), 2);

  EXPECT_FALSE(network_.device_mtu("eth0").ok());
  EXPECT_FALSE(network_.device_mtu("eth0").ok());
  EXPECT_TRUE(network_.device_mtu("eth0").ok());
}

TEST_F(FakeHostNetworkTest, DeviceForAddressFindsUnderlay) {
  auto device = network_.device_for_address("192.0.2.10");

  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(*device, "eth0");
}

TEST_F(FakeHostNetworkTest, DeviceForAddressReportsUnknownAddress) {
  auto device = network_.device_for_address("192.0.2.99");

  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.code(), ErrorCode::kNotFound);
  EXPECT_NE(device.error().message.find("192.0.2.99"), std::string::npos);
}

TEST_F(FakeHostNetworkTest, DeviceForAddressRejectsNonIpv4) {
  auto device = network_.device_for_address("eth0");

  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.code(), ErrorCode::kInvalidArgument);
}

#else  // RAICTL_NETLINK_INTEGRATION

using testing::CommandResult;
using testing::run_command;

// Runs `call` on a new thread that has entered the network namespace `name`, so that the test
// process itself never leaves its own namespace. `call` returns a Status or a Result.
template <typename Call>
auto in_namespace(const std::string& name, Call call) -> decltype(call()) {
  std::optional<decltype(call())> result;
  std::string failure;

  std::thread worker([&] {
    std::string path = "/var/run/netns/" + name;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      failure = "enter network namespace " + path + " failed: " + std::strerror(errno);
      if (fd >= 0) {
        close(fd);
      }
      return;
    }
    close(fd);
    result.emplace(call());
  });
  worker.join();

  if (!result) {
    return make_error(ErrorCode::kInternal, failure);
  }
  return std::move(*result);
}

// Clears CAP_NET_ADMIN from the calling thread's effective set. Capabilities belong to threads,
// so the rest of the test process keeps it.
bool drop_net_admin_on_this_thread() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) {
    return false;
  }
  data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
  return syscall(SYS_capset, &header, data) == 0;
}

// Two simulated hosts: network namespaces joined by a veth pair ("under0" in each) on the
// underlay subnet 10.231.<n>.0/24, each with a bridge "br0" on the overlay subnet
// 10.232.0.0/24 and no default route. Deleting the namespaces in the destructor also deletes
// every device in them, even when a test failed half way.
class SimulatedHosts {
 public:
  SimulatedHosts() {
    std::string prefix = "rnl-" + std::to_string(getpid());
    host_a_ = prefix + "-a";
    host_b_ = prefix + "-b";
    std::string underlay = "10.231." + std::to_string(getpid() % 250) + ".";
    underlay_a_ = underlay + "1";
    underlay_b_ = underlay + "2";

    setup({"ip", "netns", "add", host_a_});
    created_.push_back(host_a_);
    setup({"ip", "netns", "add", host_b_});
    created_.push_back(host_b_);
    setup({"ip", "-n", host_a_, "link", "add", "under0", "type", "veth", "peer", "name", "under0",
           "netns", host_b_});

    const struct {
      const std::string& host;
      const std::string& underlay_address;
      const char* overlay_address;
    } hosts[] = {{host_a_, underlay_a_, "10.232.0.1/24"}, {host_b_, underlay_b_, "10.232.0.2/24"}};
    for (const auto& host : hosts) {
      setup({"ip", "-n", host.host, "link", "set", "lo", "up"});
      setup({"ip", "-n", host.host, "addr", "add", host.underlay_address + "/24", "dev", "under0"});
      setup({"ip", "-n", host.host, "link", "set", "under0", "up"});
      setup({"ip", "-n", host.host, "link", "add", "br0", "type", "bridge"});
      setup({"ip", "-n", host.host, "addr", "add", host.overlay_address, "dev", "br0"});
      setup({"ip", "-n", host.host, "link", "set", "br0", "up"});
    }
  }

  ~SimulatedHosts() {
    for (const auto& name : created_) {
      run_command({"ip", "netns", "del", name});
    }
  }

  SimulatedHosts(const SimulatedHosts&) = delete;
  SimulatedHosts& operator=(const SimulatedHosts&) = delete;

  // Empty when every setup command succeeded, otherwise the first failure.
  const std::string& setup_error() const { return setup_error_; }

  const std::string& host_a() const { return host_a_; }
  const std::string& host_b() const { return host_b_; }
  const std::string& underlay_a() const { return underlay_a_; }
  const std::string& underlay_b() const { return underlay_b_; }

 private:
  void setup(const std::vector<std::string>& argv) {
    if (!setup_error_.empty()) {
      return;
    }
    CommandResult result = run_command(argv);
    if (result.exit_code != 0) {
      std::string command;
      for (const auto& arg : argv) {
        command += arg + " ";
      }
      setup_error_ = command + "failed: " + result.err;
    }
  }

  std::string host_a_;
  std::string host_b_;
  std::string underlay_a_;
  std::string underlay_b_;
  std::vector<std::string> created_;
  std::string setup_error_;
};

class NetlinkHostNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "creating network namespaces needs root";
    }
    hosts_ = std::make_unique<SimulatedHosts>();
    ASSERT_EQ(hosts_->setup_error(), "");
  }

  // Runs a command of iproute2 inside host A's namespace, for example {"ip", "link"}.
  CommandResult on_host_a(std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"ip", "netns", "exec", hosts_->host_a()});
    return run_command(argv);
  }

  Status ensure_on_a(const VxlanSpec& spec) {
    return in_namespace(hosts_->host_a(), [&] { return network_.ensure_vxlan(spec); });
  }

  Status sync_on_a(const std::set<std::string>& peers) {
    return in_namespace(hosts_->host_a(), [&] { return network_.sync_peers("vx0", peers); });
  }

  Result<std::set<std::string> > peers_on_a() {
    return in_namespace(hosts_->host_a(), [&] { return network_.list_peers("vx0"); });
  }

  // Sends one ping of busybox (iputils-ping is not installed) and waits up to 2 s for the reply.
  CommandResult ping(const std::string& from_host, const std::string& address) {
    return run_command(
        {"ip", "netns", "exec", from_host, "busybox", "ping", "-c", "1", "-W", "2", address});
  }

  NetlinkHostNetwork network_;
  std::unique_ptr<SimulatedHosts> hosts_;
};

TEST_F(NetlinkHostNetworkTest, PingCrossesHostsAfterPeerSync) {
  std::string a = hosts_->host_a();
  std::string b = hosts_->host_b();
  ASSERT_TRUE(ensure_on_a(overlay_spec(hosts_->underlay_a())).ok());
  Status ensured_b =
      in_namespace(b, [&] { return network_.ensure_vxlan(overlay_spec(hosts_->underlay_b())); });
  ASSERT_TRUE(ensured_b.ok()) << ensured_b.error().message;

  // Without flooding entries the VXLAN device has nowhere to send ARP requests.
  EXPECT_NE(ping(a, "10.232.0.2").exit_code, 0);

  Status synced_a = sync_on_a({hosts_->underlay_b()});
  Status synced_b =
      in_namespace(b, [&] { return network_.sync_peers("vx0", {hosts_->underlay_a()}); });
  ASSERT_TRUE(synced_a.ok()) << synced_a.error().message;
  ASSERT_TRUE(synced_b.ok()) << synced_b.error().message;

  CommandResult a_to_b = ping(a, "10.232.0.2");
  EXPECT_EQ(a_to_b.exit_code, 0) << a_to_b.out << a_to_b.err;
  CommandResult b_to_a = ping(b, "10.232.0.1");
  EXPECT_EQ(b_to_a.exit_code, 0) << b_to_a.out << b_to_a.err;
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanConfiguresDevice) {
  Status status = ensure_on_a(overlay_spec(hosts_->underlay_a()));
  ASSERT_TRUE(status.ok()) << status.error().message;

  std::string details = on_host_a({"ip", "-d", "link", "show", "vx0"}).out;
  const std::vector<std::string> expected_settings = {"vxlan id 42 ",
                                                      "local " + hosts_->underlay_a() + " ",
                                                      "dstport 4789 ",
                                                      "nolearning",
                                                      "master br0 ",
                                                      "mtu 1450 ",
                                                      ",UP"};
  for (const auto& expected : expected_settings) {
    EXPECT_NE(details.find(expected), std::string::npos) << "'" << expected << "' in " << details;
  }
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanIsIdempotent) {
  ASSERT_TRUE(ensure_on_a(overlay_spec(hosts_->underlay_a())).ok());
  ASSERT_TRUE(sync_on_a({hosts_->underlay_b()}).ok());
  std::string before = on_host_a({"ip", "-o", "link", "show", "vx0"}).out;

  Status again = ensure_on_a(overlay_spec(hosts_->underlay_a()));

  ASSERT_TRUE(again.ok()) << again.error().message;
  std::string after = on_host_a({"ip", "-o", "link", "show", "vx0"}).out;
  // The interface index leads the line, so a re-created device would differ.
  EXPECT_EQ(after.substr(0, after.find(':')), before.substr(0, before.find(':')));
  auto peers = peers_on_a();
  ASSERT_TRUE(peers.ok()) << peers.error().message;
  EXPECT_EQ(*peers, std::set<std::string>{hosts_->underlay_b()});
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanRecreatesWrongVni) {
  CommandResult added = on_host_a({"ip", "link", "add", "vx0", "type", "vxlan", "id", "7",
                                   "dstport", "4789", "local", hosts_->underlay_a(), "nolearning"});
  ASSERT_EQ(added.exit_code, 0) << added.err;

  Status status = ensure_on_a(overlay_spec(hosts_->underlay_a()));

  ASSERT_TRUE(status.ok()) << status.error().message;
  std::string details = on_host_a({"ip", "-d", "link", "show", "vx0"}).out;
  EXPECT_NE(details.find("vxlan id 42 "), std::string::npos) << details;
  EXPECT_NE(details.find("nolearning"), std::string::npos) << details;
  EXPECT_NE(details.find("master br0 "), std::string::npos) << details;
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanRecreatesOtherMismatches) {
  struct Case {
    const char* label;
    std::vector<std::string> settings;  // ip-link(8) vxlan arguments of the existing device
    std::string expected;               // in `ip -d link show` once ensure_vxlan has run
  };
  const std::vector<Case> cases = {
      {"port",
       {"id", "42", "dstport", "8472", "local", hosts_->underlay_a(), "nolearning"},
       "dstport 4789 "},
      {"local address",
       {"id", "42", "dstport", "4789", "local", "10.231.251.1", "nolearning"},
       "local " + hosts_->underlay_a() + " "},
      {"learning", {"id", "42", "dstport", "4789", "local", hosts_->underlay_a()}, "nolearning"},
  };

  for (const auto& c : cases) {
    std::vector<std::string> add = {"ip", "link", "add", "vx0", "type", "vxlan"};
    add.insert(add.end(), c.settings.begin(), c.settings.end());
    CommandResult added = on_host_a(add);
    ASSERT_EQ(added.exit_code, 0) << c.label << ": " << added.err;

    Status status = ensure_on_a(overlay_spec(hosts_->underlay_a()));

    ASSERT_TRUE(status.ok()) << c.label << ": " << status.error().message;
    std::string details = on_host_a({"ip", "-d", "link", "show", "vx0"}).out;
    EXPECT_NE(details.find(c.expected), std::string::npos) << c.label << ": " << details;
    ASSERT_EQ(on_host_a({"ip", "link", "del", "vx0"}).exit_code, 0) << c.label;
  }
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanChangesMtuInPlace) {
  ASSERT_TRUE(ensure_on_a(overlay_spec(hosts_->underlay_a())).ok());
  std::string before = on_host_a({"ip", "-o", "link", "show", "vx0"}).out;
  VxlanSpec spec = overlay_spec(hosts_->underlay_a());
  spec.mtu = 1400;

  Status status = ensure_on_a(spec);

  ASSERT_TRUE(status.ok()) << status.error().message;
  std::string after = on_host_a({"ip", "-o", "link", "show", "vx0"}).out;
  EXPECT_EQ(after.substr(0, after.find(':')), before.substr(0, before.find(':')));
  auto mtu = in_namespace(hosts_->host_a(), [&] { return network_.device_mtu("vx0"); });
  ASSERT_TRUE(mtu.ok()) << mtu.error().message;
  EXPECT_EQ(*mtu, 1400);
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanReportsMissingBridge) {
  VxlanSpec spec = overlay_spec(hosts_->underlay_a());
  spec.bridge = "rai1a2b3c4d";

  Status status = ensure_on_a(spec);

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.error().message.find("rai1a2b3c4d"), std::string::npos)
      << status.error().message;
  EXPECT_NE(on_host_a({"ip", "link", "show", "vx0"}).exit_code, 0);
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanReportsMissingUnderlay) {
  VxlanSpec spec = overlay_spec(hosts_->underlay_a());
  spec.underlay_device = "eth9";

  Status status = ensure_on_a(spec);

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.error().message.find("eth9"), std::string::npos) << status.error().message;
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanBindsToUnderlayDevice) {
  VxlanSpec spec = overlay_spec(hosts_->underlay_a());
  spec.underlay_device = "under0";

  Status status = ensure_on_a(spec);

  ASSERT_TRUE(status.ok()) << status.error().message;
  std::string details = on_host_a({"ip", "-d", "link", "show", "vx0"}).out;
  EXPECT_NE(details.find("dev under0 "), std::string::npos) << details;
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanRejectsMtuAboveUnderlay) {
  VxlanSpec spec = overlay_spec(hosts_->underlay_a());
  spec.underlay_device = "under0";
  spec.mtu = 1500;

  Status status = ensure_on_a(spec);

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << status.error().message;
  EXPECT_NE(status.error().message.find("MTU"), std::string::npos) << status.error().message;
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanKeepsDeviceOfOtherKind) {
  ASSERT_EQ(on_host_a({"ip", "link", "add", "vx0", "type", "bridge"}).exit_code, 0);

  Status status = ensure_on_a(overlay_spec(hosts_->underlay_a()));

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kConflict);
  std::string details = on_host_a({"ip", "-d", "link", "show", "vx0"}).out;
  EXPECT_NE(details.find("bridge "), std::string::npos) << details;
}

TEST_F(NetlinkHostNetworkTest, EnsureVxlanWithoutNetAdminNamesFix) {
  Status status = in_namespace(hosts_->host_a(), [&]() -> Status {
    if (!drop_net_admin_on_this_thread()) {
      return make_error(ErrorCode::kInternal, std::string("capset: ") + std::strerror(errno));
    }
    return network_.ensure_vxlan(overlay_spec(hosts_->underlay_a()));
  });

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable) << status.error().message;
  EXPECT_NE(status.error().message.find("CAP_NET_ADMIN"), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("vx0"), std::string::npos) << status.error().message;
}

TEST_F(NetlinkHostNetworkTest, SyncPeersRemovesStalePeer) {
  ASSERT_TRUE(ensure_on_a(overlay_spec(hosts_->underlay_a())).ok());
  std::string peer_1 = hosts_->underlay_b();
  std::string peer_2 = "10.231.251.2";
  std::string left_by_earlier_run = "10.231.251.3";
  // A learned-style entry with a real MAC address, which sync_peers must leave alone.
  ASSERT_EQ(on_host_a({"bridge", "fdb", "add", "02:00:00:00:00:01", "dev", "vx0", "dst",
                       "10.231.251.9", "self", "permanent"})
                .exit_code,
            0);
  ASSERT_EQ(on_host_a({"bridge", "fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst",
                       left_by_earlier_run})
                .exit_code,
            0);

  Status first = sync_on_a({peer_1, peer_2});
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto after_first = peers_on_a();
  ASSERT_TRUE(after_first.ok()) << after_first.error().message;
  EXPECT_EQ(*after_first, (std::set<std::string>{peer_1, peer_2}));

  Status second = sync_on_a({peer_1});
  ASSERT_TRUE(second.ok()) << second.error().message;
  auto after_second = peers_on_a();
  ASSERT_TRUE(after_second.ok()) << after_second.error().message;
  EXPECT_EQ(*after_second, std::set<std::string>{peer_1});

  std::string fdb = on_host_a({"bridge", "fdb", "show", "dev", "vx0"}).out;
  EXPECT_NE(fdb.find("00:00:00:00:00:00 dst " + peer_1 + " "), std::string::npos) << fdb;
  EXPECT_EQ(fdb.find("dst " + peer_2 + " "), std::string::npos) << fdb;
  EXPECT_EQ(fdb.find("dst " + left_by_earlier_run + " "), std::string::npos) << fdb;
  EXPECT_NE(fdb.find("02:00:00:00:00:01 dst 10.231.251.9 "), std::string::npos) << fdb;
}

TEST_F(NetlinkHostNetworkTest, SyncPeersReportsMissingDevice) {
  Status status = sync_on_a({hosts_->underlay_b()});

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.error().message.find("vx0"), std::string::npos) << status.error().message;
}

TEST_F(NetlinkHostNetworkTest, ListPeersReportsDeviceOfOtherKind) {
  auto peers = in_namespace(hosts_->host_a(), [&] { return network_.list_peers("br0"); });

  ASSERT_FALSE(peers.ok());
  EXPECT_EQ(peers.code(), ErrorCode::kConflict);
}

TEST_F(NetlinkHostNetworkTest, RemoveVxlanDeletesAndAcceptsMissing) {
  ASSERT_TRUE(ensure_on_a(overlay_spec(hosts_->underlay_a())).ok());

  Status removed = in_namespace(hosts_->host_a(), [&] { return network_.remove_vxlan("vx0"); });
  Status again = in_namespace(hosts_->host_a(), [&] { return network_.remove_vxlan("vx0"); });

  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_NE(on_host_a({"ip", "link", "show", "vx0"}).exit_code, 0);
  EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST_F(NetlinkHostNetworkTest, RemoveVxlanKeepsBridge) {
  Status status = in_namespace(hosts_->host_a(), [&] { return network_.remove_vxlan("br0"); });

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kConflict);
  EXPECT_EQ(on_host_a({"ip", "link", "show", "br0"}).exit_code, 0);
}

TEST_F(NetlinkHostNetworkTest, DeviceLookupsFindUnderlay) {
  std::string a = hosts_->host_a();

  auto device = in_namespace(a, [&] { return network_.device_for_address(hosts_->underlay_a()); });
  auto mtu = in_namespace(a, [&] { return network_.device_mtu("under0"); });
  auto unknown = in_namespace(a, [&] { return network_.device_for_address("10.231.251.77"); });
  auto missing = in_namespace(a, [&] { return network_.device_mtu("eth9"); });

  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(*device, "under0");
  ASSERT_TRUE(mtu.ok()) << mtu.error().message;
  EXPECT_EQ(*mtu, 1500);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.code(), ErrorCode::kNotFound);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
}

#endif  // RAICTL_NETLINK_INTEGRATION

}  // namespace
}  // namespace raictl
