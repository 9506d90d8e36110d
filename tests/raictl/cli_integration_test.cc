// Integration tests of the raictl commands against a private redis-server. No controller
// and no Docker run here: the tests check what the CLI writes and how it reports it.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "core/store.h"
#include "ipam/ipam.h"
#include "raictl/apply.h"
#include "raictl/context.h"
#include "raictl/delete.h"
#include "raictl/describe.h"
#include "raictl/get.h"
#include "raictl/ipam_check.h"
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
  ASSERT_TRUE(context_->store()
                  .put_node("node-1", {{"address", "192.0.2.10"}, {"unschedulable", true}})
                  .ok());
  ASSERT_TRUE(context_->store().heartbeat("node-1", now_ms()).ok());
  ASSERT_TRUE(context_->store().put_node("node-2", {{"address", "192.0.2.11"}}).ok());
  GetOptions options;
  options.resource = "no";
  auto result = get(options);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "node-1   Ready,SchedulingDisabled   192.0.2.10")) << result.out;
  EXPECT_TRUE(contains(result.out, "node-2   NotReady                   192.0.2.11")) << result.out;
}

TEST_F(CliTest, GetWatchPrintsRowOnStatusChange) {
  ASSERT_EQ(apply_text(std::string(kPool) + "---\n" + kWeb).code, 0);
  auto writer_client = server_.connect();
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Store store(*writer_client);
    EXPECT_TRUE(
        store
            .put_status(
                "web-1",
                {{"phase", "Running"}, {"node", "node-1"}, {"ip", "10.89.0.2"}, {"restarts", 0}})
            .ok());
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
  ASSERT_TRUE(context_->store().put_node("node-2", {{"address", "192.0.2.11"}}).ok());
  ASSERT_TRUE(context_->store().put_assignment("node-2", "web-1", {{"uid", "u"}}).ok());

  DeleteOptions options;
  options.resource = "node";
  options.names = {"node-2"};
  auto result = remove(options);
  EXPECT_EQ(result.code, 1);
  EXPECT_TRUE(contains(result.err, "still has 1 container assigned (web-1)")) << result.err;
  EXPECT_TRUE(context_->store().nodes()->contains("node-2"));
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
