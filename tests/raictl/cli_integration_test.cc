// Integration tests of the raictl commands against a private redis-server. No controller
// and no Docker run here: the tests check what the CLI writes and how it reports it.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "core/keys.h"
#include "core/store.h"
#include "ipam/ipam.h"
#include "raictl/apply.h"
#include "raictl/context.h"
#include "raictl/cordon.h"
#include "raictl/delete.h"
#include "raictl/describe.h"
#include "raictl/drain.h"
#include "raictl/get.h"
#include "raictl/ipam_check.h"
#include "raictl/node_remove.h"
#include "raictl/run.h"
#include "tests/support/redis_server.h"
#include "tests/support/temp_dir.h"

namespace raictl::cli {
namespace {

constexpr const char* kPool = R"(apiVersion: raictl.io/v1
kind: Pool
metadata:
  name: default
spec:
  cidr: 10.89.0.0/24
)";

constexpr const char* kWeb = R"(apiVersion: raictl.io/v1
kind: Container
metadata:
  name: web-1
  labels:
    app: web
spec:
  image: nginx:1.25
)";

struct Output {
  int code = -1;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto context = Context::connect(server_.address());
    ASSERT_TRUE(context.ok()) << context.error().message;
    context_ = std::move(context).value();
  }

  std::string write_file(const std::string& name, const std::string& text) {
    std::string path = dir_.file(name);
    std::ofstream(path) << text;
    return path;
  }

  Output apply_text(const std::string& text, bool dry_run = false) {
    ApplyOptions options;
    options.files = {write_file("manifest-" + std::to_string(++files_) + ".yaml", text)};
    options.dry_run = dry_run;
    std::istringstream in;
    Output output;
    std::ostringstream out, err;
    output.code = apply_command(options, *context_, in, out, err);
    output.out = out.str();
    output.err = err.str();
    return output;
  }

  Output get(GetOptions options) {
    Output output;
    std::ostringstream out, err;
    output.code = get_command(options, *context_, out, err);
    output.out = out.str();
    output.err = err.str();
    return output;
  }

  Output run(const RunOptions& options) {
    Output output;
    std::ostringstream out, err;
    output.code = run_command(options, *context_, out, err);
    output.out = out.str();
    output.err = err.str();
    return output;
  }

  Output remove(DeleteOptions options) {
    Output output;
    std::istringstream in;
    std::ostringstream out, err;
    output.code = delete_command(options, *context_, in, out, err);
    output.out = out.str();
    output.err = err.str();
    return output;
  }

  Output ipam_check() {
    Output output;
    std::ostringstream out, err;
    output.code = ipam_check_command(*context_, out, err);
    output.out = out.str();
    output.err = err.str();
    return output;
  }

  Output describe(const std::string& resource, const std::string& name) {
    Output output;
    std::ostringstream out, err;
    output.code = describe_command({resource, name}, *context_, out, err);
    output.out = out.str();
    output.err = err.str();
    return output;
  }

  template <typename Command>
  Output capture(Command command) {
    Output output;
    std::ostringstream out, err;
    output.code = command(out, err);
    output.out = out.str();
    output.err = err.str();
    return output;
  }

  Output cordon(const std::string& node) {
    return capture([&](std::ostream& out, std::ostream& err) {
      return cordon_command(node, *context_, out, err);
    });
  }

  Output uncordon(const std::string& node) {
    return capture([&](std::ostream& out, std::ostream& err) {
      return uncordon_command(node, *context_, out, err);
    });
  }

  Output drain(DrainOptions options) {
    options.poll_interval = std::chrono::milliseconds(20);
    return capture([&](std::ostream& out, std::ostream& err) {
      return drain_command(options, *context_, out, err);
    });
  }

  Output node_remove(const std::string& node, bool force) {
    return capture([&](std::ostream& out, std::ostream& err) {
      return node_remove_command({node, force}, *context_, out, err);
    });
  }

  Store& store() { return context_->store(); }

  // Registers a node with 2 cores and 1 GiB; `heartbeat_age_ms` < 0 means it never beat.
  void add_node(const std::string& name, int64_t heartbeat_age_ms) {
    ASSERT_TRUE(store()
                    .put_node(name, {{"address", "192.0.2.1" + name.substr(name.size() - 1)},
                                     {"cpuMillis", 2000},
                                     {"memoryBytes", int64_t{1} << 30},
                                     {"registeredAt", rfc3339(now_ms())}})
                    .ok());
    if (heartbeat_age_ms >= 0) {
      set_heartbeat(name, heartbeat_age_ms);
    }
  }

  void set_heartbeat(const std::string& name, int64_t age_ms) {
    auto now = store().server_time_ms();
    ASSERT_TRUE(now.ok());
    ASSERT_TRUE(context_->client()
                    .command({"HSET", keys::heartbeats(), name, std::to_string(*now - age_ms)})
                    .ok());
  }

  // A controller holds the lease, so the CLI trusts the stored conditions.
  void set_leader() {
    ASSERT_TRUE(
        context_->client().command({"SET", keys::leader(), "controller-a 1", "PX", "60000"}).ok());
  }

  // Creates the container object and places a copy of it on `node` with address `ip`,
  // allocated in IPAM the way the controller allocates it. Returns the copy.
  nlohmann::json place(const std::string& name, const std::string& node, const std::string& pinned,
                       int64_t cpu_millis = 0) {
    auto record = store().get("Container", name);
    EXPECT_TRUE(record.ok());
    if (!record->has_value()) {
      nlohmann::json spec = {{"image", "nginx:1.25"}, {"pool", "default"}};
      if (!pinned.empty()) {
        spec["node"] = pinned;
      }
      EXPECT_TRUE(store().apply("Container", name, spec, {}).ok());
      record = store().get("Container", name);
    }
    std::string uid = (**record).uid;
    auto ip = context_->ipam().allocate("default", ipam::Owner{"container", name, uid});
    EXPECT_TRUE(ip.ok());
    nlohmann::json copy = {
        {"uid", uid},        {"assignment", new_uid()}, {"generation", 1},  {"ip", ip->to_string()},
        {"pool", "default"}, {"cpuMillis", cpu_millis}, {"memoryBytes", 0}, {"deleting", false},
        {"evicted", false}};
    auto committed = store().commit_assignment(node, name, copy, "");
    EXPECT_TRUE(committed.ok()) << committed.error().message;
    return copy;
  }

  // Moves a copy away as the controller does: reserves its address, then marks it evicted.
  nlohmann::json evict(const std::string& name, const std::string& node,
                       const nlohmann::json& copy) {
    std::string holder = "held/" + node + "/" + name;
    auto address = ipam::Ipv4::parse(copy["ip"].get<std::string>());
    EXPECT_TRUE(
        context_->ipam().release("default", ipam::Owner{"container", name, copy["uid"]}).ok());
    EXPECT_TRUE(context_->ipam().reserve("default", *address, holder).ok());
    nlohmann::json evicted = copy;
    evicted["deleting"] = true;
    evicted["evicted"] = true;
    evicted["heldBy"] = holder;
    auto marked = store().mark_removal(node, name, evicted, "");
    EXPECT_TRUE(marked.ok());
    if (marked.ok()) {
      EXPECT_TRUE(*marked) << "the copy to evict was not on " << node;
    }
    return evicted;
  }

  // The op=node wake-ups the CLI sent to the controller, by node.
  std::vector<std::string> controller_wakeups() {
    std::vector<std::string> nodes;
    auto reply = context_->client().command({"XRANGE", keys::spec_stream(), "-", "+"});
    EXPECT_TRUE(reply.ok());
    for (const auto& entry : reply->elements) {
      const auto& fields = entry.elements[1].elements;
      std::map<std::string, std::string> values;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        values[fields[i].text] = fields[i + 1].text;
      }
      if (values["op"] == "node") {
        nodes.push_back(values["node"]);
      }
    }
    return nodes;
  }

  int64_t key_count() {
    auto reply = context_->client().command({"DBSIZE"});
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? reply->integer : -1;
  }

  raictl::testing::RedisServer server_;
  raictl::testing::TempDir dir_{"raictl-cli-test"};
  std::unique_ptr<Context> context_;
  int files_ = 0;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(CliTest, ApplyReportsCreatedConfiguredUnchanged) {
  auto first = apply_text(std::string(kPool) + "---\n" + kWeb);
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ(first.out, "pool/default created\ncontainer/web-1 created\n");

  auto again = apply_text(std::string(kPool) + "---\n" + kWeb);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, "pool/default unchanged\ncontainer/web-1 unchanged\n");

  std::string changed = kWeb;
  changed.replace(changed.find("nginx:1.25"), 10, "nginx:1.26");
  auto configured = apply_text(changed);
  ASSERT_EQ(configured.code, 0) << configured.err;
  EXPECT_EQ(configured.out, "container/web-1 configured\n");
}

TEST_F(CliTest, ApplyDryRunWritesNothing) {
  int64_t before = key_count();
  auto result = apply_text(std::string(kPool) + "---\n" + kWeb, true);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out, "pool/default created (dry run)\ncontainer/web-1 created (dry run)\n");
  EXPECT_EQ(key_count(), before);
}

TEST_F(CliTest, ApplyWithOneInvalidDocumentWritesNothing) {
  int64_t before = key_count();
  std::string bad = std::string(kWeb);
  bad.replace(bad.find("web-1"), 5, "web-2");
  bad.replace(bad.find("nginx:1.25"), 10, "Nginx:1.25");
  auto result = apply_text(std::string(kPool) + "---\n" + kWeb + "---\n" + bad);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "Nginx:1.25")) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(key_count(), before);
}

// Each parse problem is reported as file:line and stops the whole apply. The case documents
// follow the six-line pool and a `---` line, so their first line is line 8.
TEST_F(CliTest, ApplyParseErrorsNameFileAndLine) {
  struct Case {
    const char* what;
    std::string text;
    const char* expected;
  };
  const Case cases[] = {
      {"duplicate key", std::string(kWeb) + "  image: nginx:1.26\n", ".yaml:16: duplicate key"},
      {"tab", "apiVersion: raictl.io/v1\nkind: Pool\nmetadata:\n\tname: a\n", ".yaml:11: tab"},
      {"invalid name", std::string(kWeb).replace(std::string(kWeb).find("web-1"), 5, "Web_1"),
       ".yaml:11:"},
      {"unknown field", std::string(kWeb) + "  imagee: nginx\n", ".yaml:16: spec.imagee"},
  };
  for (const auto& c : cases) {
    int64_t before = key_count();
    auto result = apply_text(std::string(kPool) + "---\n" + c.text);
    EXPECT_EQ(result.code, 1) << c.what;
    EXPECT_TRUE(contains(result.err, c.expected)) << c.what << ": " << result.err;
    EXPECT_EQ(key_count(), before) << c.what;
  }
}

TEST_F(CliTest, ApplyRejectsRequestedIpOutsidePool) {
  int64_t before = key_count();
  std::string web = std::string(kWeb) + "  ip: 10.99.0.5\n";
  auto result = apply_text(std::string(kPool) + "---\n" + web);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "spec.ip 10.99.0.5 is outside pool \"default\" (10.89.0.0/24)"))
      << result.err;
  EXPECT_EQ(key_count(), before);
}

TEST_F(CliTest, ApplyRejectsContainerOfUnknownPool) {
  auto result = apply_text(kWeb);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "spec.pool \"default\" does not exist")) << result.err;
}

TEST_F(CliTest, ApplyRejectsImmutableFieldChange) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  std::string other_pool = std::string(kPool);
  other_pool.replace(other_pool.find("default"), 7, "other");
  other_pool.replace(other_pool.find("10.89.0.0/24"), 12, "10.90.0.0/24");
  ASSERT_EQ(apply_text(other_pool).code, 0);

  auto result = apply_text(std::string(kWeb) + "  pool: other\n");
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(
      result.err, "container \"web-1\": spec.pool cannot change from \"default\" to \"other\""))
      << result.err;
}

TEST_F(CliTest, ApplyRejectsOverlappingPool) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  std::string overlapping = std::string(kPool);
  overlapping.replace(overlapping.find("default"), 7, "second");
  overlapping.replace(overlapping.find("10.89.0.0/24"), 12, "10.89.0.0/16");
  int64_t before = key_count();

  auto result = apply_text(overlapping);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "overlaps pool \"default\"")) << result.err;
  EXPECT_EQ(key_count(), before);
}

TEST_F(CliTest, RunCreatesContainer) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  RunOptions options;
  options.name = "web-1";
  options.image = "nginx:1.25";
  options.command = {"sleep", "60"};
  auto result = run(options);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out, "container/web-1 created\n");

  auto record = context_->store().get("Container", "web-1");
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((**record).spec["command"], nlohmann::json({"sleep", "60"}));
}

TEST_F(CliTest, RunWithExistingNameFailsNamingIt) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  RunOptions options;
  options.name = "web-1";
  options.image = "nginx:1.25";
  auto result = run(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.err,
            "Error: container \"web-1\" already exists; choose another name or delete it "
            "first\n");
}

TEST_F(CliTest, GetWithNoObjectsPrintsNoResourcesFound) {
  GetOptions options;
  options.resource = "containers";
  auto result = get(options);
  EXPECT_EQ(result.code, 0);
  EXPECT_EQ(result.err, "No resources found\n");
  EXPECT_EQ(result.out, "");
}

TEST_F(CliTest, GetUnknownNameIsNotFound) {
  GetOptions options;
  options.resource = "ctr";
  options.name = "x";
  auto result = get(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.err, "Error from server (NotFound): container \"x\" not found\n");
}

TEST_F(CliTest, GetContainersPrintsTable) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  GetOptions options;
  options.resource = "containers";
  auto result = get(options);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with("NAME    STATUS    RESTARTS   IP       NODE     AGE\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "web-1   Pending   0          <none>   <none>   "))
      << result.out;
}

TEST_F(CliTest, GetFiltersBySelector) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  GetOptions options;
  options.resource = "containers";
  options.output = "name";
  options.selector = "app=db";
  auto none = get(options);
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(none.err, "No resources found\n");

  options.selector = "app=web";
  auto some = get(options);
  EXPECT_EQ(some.out, "container/web-1\n");
}

TEST_F(CliTest, GetOutputJsonYamlName) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  GetOptions options;
  options.resource = "container";

  options.output = "name";
  EXPECT_EQ(get(options).out, "container/web-1\n");

  options.output = "json";
  auto list = nlohmann::json::parse(get(options).out);
  EXPECT_EQ(list["kind"], "List");
  EXPECT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "web-1");

  options.name = "web-1";
  auto single = nlohmann::json::parse(get(options).out);
  EXPECT_EQ(single["kind"], "Container");
  EXPECT_FALSE(single["metadata"]["uid"].get<std::string>().empty());
  EXPECT_EQ(single["spec"]["image"], "nginx:1.25");

  options.output = "yaml";
  auto yaml = get(options).out;
  EXPECT_TRUE(contains(yaml, "kind: Container")) << yaml;
  EXPECT_TRUE(contains(yaml, "name: web-1")) << yaml;
}

TEST_F(CliTest, GetPoolsShowsUsedAndFree) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  ASSERT_TRUE(
      context_->ipam().allocate("default", ipam::Owner{"container", "web-1", "uid-1"}).ok());
  GetOptions options;
  options.resource = "pools";
  auto result = get(options);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out,
            "NAME      CIDR           USED   FREE\n"
            "default   10.89.0.0/24   1      252\n");
}

TEST_F(CliTest, GetPoolJsonHasUsageStatus) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  GetOptions options;
  options.resource = "pool";
  options.name = "default";
  options.output = "json";
  auto pool = nlohmann::json::parse(get(options).out);
  EXPECT_EQ(pool["status"]["size"], 256);
  EXPECT_EQ(pool["status"]["used"], 0);
  EXPECT_EQ(pool["status"]["free"], 253);
}

TEST_F(CliTest, GetNodesShowsReadyAndCordon) {
  add_node("node-1", 0);
  ASSERT_TRUE(store().cordon("node-1", false).ok());
  add_node("node-2", 60'000);
  GetOptions options;
  options.resource = "no";
  auto result = get(options);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "node-1   Ready,SchedulingDisabled   192.0.2.11")) << result.out;
  EXPECT_TRUE(contains(result.out, "node-2   NotReady                   192.0.2.12")) << result.out;
}

TEST_F(CliTest, GetNodesStatusFromHeartbeatAndCondition) {
  add_node("node-1", 0);
  add_node("node-2", 60'000);
  add_node("node-3", -1);
  add_node("node-4", 0);
  ASSERT_TRUE(store().put_node_condition("node-4", {{"ready", false}}).ok());
  auto readiness = [&] {
    GetOptions options;
    options.resource = "nodes";
    options.output = "json";
    std::map<std::string, std::string> out;
    auto list = nlohmann::json::parse(get(options).out);
    for (const auto& item : list["items"]) {
      out[item["metadata"]["name"].get<std::string>()] =
          item["status"]["readiness"].get<std::string>();
    }
    return out;
  };

  auto before = readiness();
  EXPECT_EQ(before["node-1"], "Ready");
  EXPECT_EQ(before["node-2"], "NotReady");
  EXPECT_EQ(before["node-3"], "Unknown");
  EXPECT_EQ(before["node-4"], "Ready") << "without a leader the stored verdict may be stale";

  set_leader();
  EXPECT_EQ(readiness()["node-4"], "NotReady");

  ASSERT_TRUE(store().put_cluster_settings({{"nodeGraceMs", 120'000}}).ok());
  EXPECT_EQ(readiness()["node-2"], "Ready");

  GetOptions table;
  table.resource = "nodes";
  EXPECT_TRUE(contains(get(table).out, "node-3   Unknown    192.0.2.13")) << get(table).out;
}

TEST_F(CliTest, GetNodesWideShowsAllocated) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-1", 0);
  place("web-1", "node-1", "", 250);
  GetOptions options;
  options.resource = "nodes";
  options.output = "wide";
  auto result = get(options);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with(
      "NAME     STATUS   ADDRESS      CONTAINERS   AGE   LABELS   CPU      MEMORY\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "   <none>   250m/2   0/1Gi\n")) << result.out;
}

TEST_F(CliTest, GetNodeJsonHasConditionCordonAllocated) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-1", 0);
  place("web-1", "node-1", "", 500);
  ASSERT_TRUE(store().cordon("node-1", true).ok());
  ASSERT_TRUE(store()
                  .put_node_condition("node-1", {{"ready", true},
                                                 {"since", 1'700'000'000'000},
                                                 {"reason", "HeartbeatFresh"},
                                                 {"message", "heartbeat 0.4s ago"}})
                  .ok());
  set_leader();
  GetOptions options;
  options.resource = "node";
  options.name = "node-1";
  options.output = "json";
  auto node = nlohmann::json::parse(get(options).out);
  EXPECT_EQ(node["status"]["readiness"], "Ready");
  EXPECT_EQ(node["status"]["ready"], true);
  EXPECT_EQ(node["status"]["condition"]["reason"], "HeartbeatFresh");
  EXPECT_EQ(node["status"]["condition"]["since"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(node["status"]["allocated"]["cpu"], "500m");
  EXPECT_EQ(node["status"]["allocated"]["containers"], 1);
  EXPECT_EQ(node["spec"]["unschedulable"], true);
  EXPECT_EQ(node["spec"]["cordon"]["drain"], true);
}

TEST_F(CliTest, DescribeNodeShowsConditionAndCopies) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-2", 60'000);
  auto copy = place("web-2", "node-2", "");
  evict("web-2", "node-2", copy);
  place("db-1", "node-2", "node-2");
  ASSERT_TRUE(store()
                  .put_node_condition("node-2", {{"ready", false},
                                                 {"since", now_ms()},
                                                 {"reason", "HeartbeatMissed"},
                                                 {"message", "no heartbeat for 60.0s"}})
                  .ok());
  set_leader();
  auto result = describe("node", "node-2");
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "Status:                 NotReady\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "  Reason:               HeartbeatMissed\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "  Message:              no heartbeat for 60.0s\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "Evicted   held/node-2/web-2")) << result.out;
  EXPECT_TRUE(contains(result.out, "Live      <none>")) << result.out;
}

TEST_F(CliTest, GetContainersShowsUnknownPhase) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  ASSERT_TRUE(store()
                  .put_status("web-1", {{"phase", "Unknown"},
                                        {"reason", "NodeNotReady"},
                                        {"message", "node node-1 is not ready"},
                                        {"node", "node-1"},
                                        {"ip", "10.89.0.2"}})
                  .ok());
  GetOptions options;
  options.resource = "containers";
  auto table = get(options);
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "web-1   Unknown   0          10.89.0.2   node-1")) << table.out;

  auto described = describe("container", "web-1");
  ASSERT_EQ(described.code, 0) << described.err;
  EXPECT_TRUE(contains(described.out, "  Reason:               NodeNotReady\n")) << described.out;
}

TEST_F(CliTest, GetWatchPrintsRowOnStatusChange) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  auto writer_client = server_.connect();
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Store store(*writer_client);
    nlohmann::json running = {
        {"phase", "Running"}, {"node", "node-1"}, {"ip", "10.89.0.2"}, {"restarts", 0}};
    // The second write repeats the first, as a node's resync does.
    EXPECT_TRUE(store.put_status("web-1", running).ok());
    EXPECT_TRUE(store.put_status("web-1", running).ok());
  });
  GetOptions options;
  options.resource = "containers";
  options.watch = true;
  options.watch_timeout_seconds = 2;
  auto result = get(options);
  writer.join();
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "web-1   Pending")) << result.out;
  EXPECT_TRUE(contains(result.out, "web-1   Running   0          10.89.0.2   node-1"))
      << result.out;
  EXPECT_EQ(result.out.find("Running"), result.out.rfind("Running")) << result.out;
}

TEST_F(CliTest, DeleteMarksContainerTerminating) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  DeleteOptions options;
  options.resource = "container";
  options.names = {"web-1"};
  auto result = remove(options);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out, "container \"web-1\" deleted\n");

  auto record = context_->store().get("Container", "web-1");
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(record->has_value());
  EXPECT_TRUE((**record).deletion_requested_at.has_value());

  GetOptions get_options;
  get_options.resource = "containers";
  EXPECT_TRUE(contains(get(get_options).out, "web-1   Terminating")) << get(get_options).out;
}

TEST_F(CliTest, DeleteNodeRemovesRecordAndReleasesItsGateway) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  ASSERT_TRUE(context_->store().put_node("node-2", {{"address", "192.0.2.11"}}).ok());
  auto gateway = context_->ipam().reserve_next("default", "node/node-2");
  ASSERT_TRUE(gateway.ok());
  ASSERT_TRUE(context_->client()
                  .command({"HSET", "raictl:gateways:default", "node-2", gateway->to_string()})
                  .ok());

  DeleteOptions options;
  options.resource = "node";
  options.names = {"node-2"};
  auto result = remove(options);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "node \"node-2\" deleted"));
  EXPECT_FALSE(context_->store().nodes()->contains("node-2"));
  EXPECT_EQ(context_->ipam().usage("default")->reserved, 0u);
}

TEST_F(CliTest, DeleteNodeWithContainersIsRejected) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-2", 0);
  place("web-1", "node-2", "");

  DeleteOptions options;
  options.resource = "node";
  options.names = {"node-2"};
  auto result = remove(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "still has 1 container assigned (web-1)")) << result.err;
  EXPECT_TRUE(store().nodes()->contains("node-2"));
  EXPECT_FALSE(store().cordons()->contains("node-2")) << "the guarding cordon is lifted again";
}

TEST_F(CliTest, CordonAndUncordonNotifyController) {
  add_node("node-1", 0);
  auto cordoned = cordon("node-1");
  ASSERT_EQ(cordoned.code, 0) << cordoned.err;
  EXPECT_EQ(cordoned.out, "node/node-1 cordoned\n");
  auto record = store().cordons()->at("node-1");
  EXPECT_EQ(record["drain"], false);

  auto again = cordon("node-1");
  EXPECT_EQ(again.code, 0);
  EXPECT_EQ(again.out, "node/node-1 already cordoned\n");
  EXPECT_EQ(store().cordons()->at("node-1"), record) << "a second cordon changes nothing";

  auto uncordoned = uncordon("node-1");
  ASSERT_EQ(uncordoned.code, 0) << uncordoned.err;
  EXPECT_EQ(uncordoned.out, "node/node-1 uncordoned\n");
  EXPECT_FALSE(store().cordons()->contains("node-1"));
  EXPECT_EQ(uncordon("node-1").out, "node/node-1 already uncordoned\n");

  EXPECT_EQ(controller_wakeups(), (std::vector<std::string>{"node-1", "node-1"}));
}

TEST_F(CliTest, CordonUnknownNodeChangesNothing) {
  add_node("node-1", 0);
  int64_t before = key_count();
  for (auto result : {cordon("ghost"), uncordon("ghost")}) {
    EXPECT_EQ(result.code, 1);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err,
              "Error: node \"ghost\" not found; \"raictl get nodes\" lists the registered "
              "nodes\n");
  }
  EXPECT_EQ(key_count(), before);
  EXPECT_TRUE(controller_wakeups().empty());
}

TEST_F(CliTest, DrainWaitsUntilContainersMoved) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-1", 0);
  add_node("node-2", 0);
  auto web = place("web-1", "node-1", "");
  place("db-1", "node-1", "node-1");

  // Plays the controller: once the drain is requested, moves web-1 to node-2, then confirms
  // that node-1 removed the old copy.
  auto controller_client = server_.connect();
  std::thread controller([&] {
    Store store(*controller_client);
    ipam::Ipam ipam(*controller_client);
    for (int i = 0; i < 200 && !store.cordons()->contains("node-1"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    nlohmann::json evicted = web;
    evicted["deleting"] = true;
    evicted["evicted"] = true;
    evicted["heldBy"] = "held/node-1/web-1";
    EXPECT_TRUE(store.mark_removal("node-1", "web-1", evicted, "").ok());
    nlohmann::json moved = web;
    moved["assignment"] = new_uid();
    moved["ip"] = "10.89.0.50";
    EXPECT_TRUE(store.commit_assignment("node-2", "web-1", moved, "").ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(store.remove_assignment("node-1", "web-1", web["assignment"]).ok());
  });

  DrainOptions options;
  options.node = "node-1";
  options.timeout_seconds = 10;
  auto result = drain(options);
  controller.join();
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out,
            "node/node-1 cordoned\n"
            "container/db-1 stays: pinned to node-1 by spec.node\n"
            "container/web-1 moved to node-2\n"
            "node/node-1 drained\n");
  EXPECT_EQ(store().cordons()->at("node-1")["drain"], true);
  EXPECT_EQ(controller_wakeups(), std::vector<std::string>{"node-1"});
}

TEST_F(CliTest, DrainTimeoutListsWhatDidNotMove) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-1", 0);
  place("web-1", "node-1", "");
  ASSERT_TRUE(store()
                  .put_status("web-1", {{"phase", "Running"},
                                        {"reason", "Unschedulable"},
                                        {"message", "no other node fits"}})
                  .ok());

  DrainOptions options;
  options.node = "node-1";
  options.timeout_seconds = 1;
  auto result = drain(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.out, "node/node-1 cordoned\n");
  EXPECT_EQ(result.err,
            "container/web-1 did not move; status Running, Unschedulable: no other node fits\n"
            "Error: node/node-1 not drained after 1s: 1 container left; it stays cordoned and "
            "the controller keeps trying (\"raictl uncordon node-1\" ends the drain)\n");
}

TEST_F(CliTest, DrainTimeoutTakesTheReasonFromEvents) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-1", 0);
  place("web-1", "node-1", "");
  ASSERT_TRUE(store().put_status("web-1", {{"phase", "Running"}}).ok());
  EventRecord stays{"Warning", "FailedScheduling", "cannot move off node-1: 0/1 nodes available",
                    "raictl-controller"};
  ASSERT_TRUE(store().add_event("Container", "web-1", stays).ok());

  DrainOptions options;
  options.node = "node-1";
  options.timeout_seconds = 1;
  auto result = drain(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_NE(result.err.find("FailedScheduling: cannot move off node-1: 0/1 nodes available"),
            std::string::npos)
      << result.err;
}

TEST_F(CliTest, DrainNoWaitOnlyRequests) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-1", 0);
  place("web-1", "node-1", "");
  ASSERT_TRUE(store().cordon("node-1", false).ok());

  DrainOptions options;
  options.node = "node-1";
  options.no_wait = true;
  auto result = drain(options);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with("node/node-1 already cordoned\nnode/node-1 draining;"))
      << result.out;
  EXPECT_EQ(store().cordons()->at("node-1")["drain"], true) << "a plain cordon becomes a drain";
}

TEST_F(CliTest, DrainStopsWhenInterrupted) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-1", 0);
  place("web-1", "node-1", "");
  std::atomic<bool> stop{true};

  DrainOptions options;
  options.node = "node-1";
  options.stop = &stop;
  auto started = std::chrono::steady_clock::now();
  auto result = drain(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "stopped waiting")) << result.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(CliTest, DrainUnknownNodeFails) {
  DrainOptions options;
  options.node = "ghost";
  auto result = drain(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "node \"ghost\" not found")) << result.err;
  EXPECT_TRUE(store().cordons()->empty());
}

TEST_F(CliTest, NodeRemoveForceRejectsLiveNode) {
  add_node("node-1", 2'000);
  auto result = node_remove("node-1", true);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err,
                       "node \"node-1\" looks alive: its last heartbeat was 2s ago, "
                       "within the grace of 15s"))
      << result.err;
  EXPECT_TRUE(contains(result.err, "raictl drain node-1")) << result.err;
  EXPECT_TRUE(store().nodes()->contains("node-1"));
}

TEST_F(CliTest, NodeRemoveForceRejectsNodeJudgedReady) {
  add_node("node-1", 60'000);
  ASSERT_TRUE(store().put_node_condition("node-1", {{"ready", true}}).ok());
  auto result = node_remove("node-1", true);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "the controller reports it Ready")) << result.err;
  EXPECT_TRUE(store().nodes()->contains("node-1"));
}

TEST_F(CliTest, NodeRemoveForceReleasesHeldAddresses) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-1", 0);
  add_node("node-2", 60'000);
  auto old_copy = place("web-2", "node-2", "");
  evict("web-2", "node-2", old_copy);
  place("web-2", "node-1", "");
  place("web-3", "node-2", "");
  place("db-1", "node-2", "node-2");
  auto gateway = context_->ipam().reserve_next("default", "node/node-2");
  ASSERT_TRUE(gateway.ok());
  ASSERT_TRUE(context_->client()
                  .command({"HSET", keys::gateways("default"), "node-2", gateway->to_string()})
                  .ok());
  ASSERT_EQ(context_->ipam().usage("default")->reserved, 2u);

  auto result = node_remove("node-2", true);
  ASSERT_EQ(result.code, 0) << result.err;
  std::string held_ip = old_copy["ip"];
  EXPECT_TRUE(contains(result.out, "released: " + gateway->to_string() +
                                       " (pool default), the bridge address of node-2\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "released: " + held_ip +
                                       " (pool default), held for the old copy of "
                                       "container/web-2\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out,
                       "container/web-3: copy on node-2 dropped; the controller "
                       "places it again\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "container/db-1: copy on node-2 dropped; it is pinned"))
      << result.out;
  EXPECT_TRUE(result.out.ends_with("node/node-2 removed\n")) << result.out;

  EXPECT_EQ(context_->ipam().usage("default")->reserved, 0u);
  EXPECT_FALSE(store().nodes()->contains("node-2"));
  EXPECT_TRUE(store().assignments("node-2")->empty());
  EXPECT_EQ(store().placements()->at("web-2"), "node-1");
  EXPECT_FALSE(store().placements()->contains("web-3"));
  EXPECT_EQ(controller_wakeups(), std::vector<std::string>{"node-2"});
  EXPECT_EQ(ipam_check().code, 0) << "releasing held addresses leaves IPAM consistent";
}

TEST_F(CliTest, NodeRemoveWithoutForceRejectsAssignedNode) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-2", 60'000);
  place("web-1", "node-2", "");
  auto result = node_remove("node-2", false);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "node-2 --force")) << result.err;
  EXPECT_TRUE(store().nodes()->contains("node-2"));

  auto unknown = node_remove("ghost", false);
  EXPECT_EQ(unknown.code, 1);
  EXPECT_TRUE(contains(unknown.err, "raictl get nodes")) << unknown.err;
}

TEST_F(CliTest, DeleteUnknownNameIsNotFound) {
  DeleteOptions options;
  options.resource = "container";
  options.names = {"x"};
  auto result = remove(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.err, "Error from server (NotFound): container \"x\" not found\n");
}

TEST_F(CliTest, DeleteWaitTimesOutNamingWhatIsLeft) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  DeleteOptions options;
  options.resource = "container";
  options.names = {"web-1"};
  options.wait = true;
  options.timeout_seconds = 1;
  auto result = remove(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "container/web-1")) << result.err;
}

TEST_F(CliTest, DeletePoolInUseIsRejected) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  DeleteOptions options;
  options.resource = "pool";
  options.names = {"default"};
  auto result = remove(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "used by container web-1")) << result.err;
}

TEST_F(CliTest, DeleteUnusedPoolRemovesIt) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  DeleteOptions options;
  options.resource = "pool";
  options.names = {"default"};
  auto result = remove(options);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_FALSE(context_->ipam().get_pool("default").ok());
  auto record = context_->store().get("Pool", "default");
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->has_value());
}

TEST_F(CliTest, DeleteFromFileReportsMissingAndDeletesOthers) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  std::string other = std::string(kWeb);
  other.replace(other.find("web-1"), 5, "web-9");
  DeleteOptions options;
  options.files = {write_file("delete.yaml", std::string(kWeb) + "---\n" + other)};
  auto result = remove(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.out, "container \"web-1\" deleted\n");
  EXPECT_EQ(result.err, "Error from server (NotFound): container \"web-9\" not found\n");
}

TEST_F(CliTest, IpamCheckPassesOnCleanStore) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  auto result = ipam_check();
  EXPECT_EQ(result.code, 0) << result.out << result.err;
  EXPECT_EQ(result.out, "ipam check: OK (0 allocations in 1 pool)\n");
}

TEST_F(CliTest, IpamCheckFailsOnLeakedAllocation) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  ASSERT_TRUE(
      context_->ipam().allocate("default", ipam::Owner{"container", "ghost", "uid-ghost"}).ok());
  auto result = ipam_check();
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.out, "container/ghost")) << result.out;
  EXPECT_TRUE(contains(result.out, "does not exist")) << result.out;
}

TEST_F(CliTest, IpamCheckListsHeldAddressesAndPasses) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-1", 0);
  add_node("node-2", 60'000);
  auto old_copy = place("web-2", "node-2", "");
  evict("web-2", "node-2", old_copy);
  place("web-2", "node-1", "");

  auto result = ipam_check();
  EXPECT_EQ(result.code, 0) << result.out << result.err;
  std::string held_ip = old_copy["ip"];
  EXPECT_EQ(result.out, "held: " + held_ip +
                            " (pool default) for container/web-2, until node-2 confirms its old "
                            "copy is gone or \"raictl node remove node-2 --force\"\n"
                            "ipam check: OK (1 allocation in 1 pool)\n");
}

TEST_F(CliTest, IpamCheckReportsOrphanedHold) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  ASSERT_TRUE(context_->ipam()
                  .reserve("default", *ipam::Ipv4::parse("10.89.0.9"), "held/node-9/web-4")
                  .ok());
  auto result = ipam_check();
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.out, "orphaned hold: 10.89.0.9 in pool \"default\"")) << result.out;
}

TEST_F(CliTest, IpamCheckReportsDoublePlacementAndOverbooking) {
  ASSERT_EQ(apply_text(kPool).code, 0);
  add_node("node-1", 0);
  add_node("node-2", 0);
  auto copy = place("web-1", "node-1", "");
  // Written past the scripts, as only a bug could.
  ASSERT_TRUE(
      context_->client().command({"HSET", keys::assignments("node-2"), "web-1", copy.dump()}).ok());
  ASSERT_TRUE(
      context_->client().command({"HSET", keys::allocated("node-1"), "cpuMillis", "5000"}).ok());

  auto result = ipam_check();
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.out,
                       "placed twice: container/web-1 has live copies on node-1 and "
                       "node-2\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out,
                       "overbooked: node node-1 has 5 cpu allocated, more than its "
                       "capacity of 2\n"))
      << result.out;
}

TEST_F(CliTest, DescribeContainerShowsSpecAndNoEvents) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  auto result = describe("container", "web-1");
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "  Image:                nginx:1.25")) << result.out;
  EXPECT_TRUE(contains(result.out, "Events:                 <none>")) << result.out;
}

TEST_F(CliTest, DescribeContainerFoldsRepeatedEvents) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  EventRecord event{"Warning", "BackOff", "restarting failed container", "raictl-node/node-1"};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(context_->store().add_event("Container", "web-1", event).ok());
  }
  auto result = describe("ctr", "web-1");
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "(x3 over")) << result.out;
  EXPECT_TRUE(contains(result.out, "TYPE      REASON    AGE")) << result.out;
}

TEST_F(CliTest, UnreachableRedisNamesAddress) {
  auto context = Context::connect("unix://" + dir_.file("missing.sock"));
  ASSERT_FALSE(context.ok());
  EXPECT_TRUE(contains(context.error().message, dir_.file("missing.sock")))
      << context.error().message;
  std::ostringstream err;
  EXPECT_EQ(fail(err, context.error().message), 1);
  std::string printed = err.str();
  EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 1);
}

}  // namespace
}  // namespace raictl::cli
