#include "core/objects.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>

namespace raictl {
namespace {

using nlohmann::json;

Object full_container() {
  ContainerSpec spec;
  spec.image = "raictl/busybox:latest";
  spec.command = {"sh", "-c", "exec httpd -f -p 80"};
  spec.args = {"--verbose"};
  spec.env = {{"GREETING", "yes"}, {"MODE", "0755"}};
  spec.pool = "blue";
  spec.ip = "10.89.0.10";
  spec.node = "node-2";
  spec.node_selector = {{"disk", "ssd"}};
  spec.restart_policy = RestartPolicy::kOnFailure;
  spec.resources.cpu_millis = 250;
  spec.resources.memory_bytes = 64 * 1024 * 1024;
  spec.stop_grace_period_seconds = 30;
  spec.working_dir = "/www";
  spec.hostname = "web";

  Object object;
  object.kind = Kind::kContainer;
  object.meta.name = "web-1";
  object.meta.labels = {{"app", "web"}, {"version", "1.10"}};
  object.meta.uid = "3f1c";
  object.meta.generation = 4;
  object.meta.created_at = "2024-05-01T12:00:00Z";
  object.meta.deletion_requested = "2024-05-02T08:30:00Z";
  object.spec = spec;

  ContainerStatus status;
  status.phase = ContainerPhase::kCrashLoopBackOff;
  status.node = "node-2";
  status.ip = "10.89.0.10";
  status.container_id = "abc123";
  status.restarts = 3;
  status.reason = "Error";
  status.message = "exited with code 1; restarting in 40s";
  status.observed_generation = 4;
  status.started_at = "2024-05-01T12:00:05Z";
  status.next_retry_at = "2024-05-01T12:01:00Z";
  object.status = status;
  return object;
}

Object minimal_pool() {
  Object object;
  object.kind = Kind::kPool;
  object.meta.name = "default";
  object.spec = PoolSpec{.cidr = "10.89.0.0/24", .gateway = "", .range = "", .exclude = {}};
  return object;
}

TEST(ObjectsTest, KindNames) {
  EXPECT_EQ(to_string(Kind::kPool), "Pool");
  EXPECT_EQ(to_string(Kind::kContainer), "Container");
  EXPECT_EQ(to_string(Kind::kNode), "Node");
  EXPECT_EQ(kind_from_string("Container"), Kind::kContainer);
  EXPECT_EQ(kind_from_string("container"), std::nullopt);
  EXPECT_EQ(resource_name(Kind::kContainer), "containers");
  EXPECT_EQ(resource_name(Kind::kPool), "pools");
  EXPECT_EQ(resource_name(Kind::kNode), "nodes");
}

TEST(ObjectsTest, ResourceNamesAndAliases) {
  const std::pair<const char*, Kind> cases[] = {
      {"containers", Kind::kContainer}, {"container", Kind::kContainer}, {"ctr", Kind::kContainer},
      {"Containers", Kind::kContainer}, {"pools", Kind::kPool},          {"pool", Kind::kPool},
      {"nodes", Kind::kNode},           {"node", Kind::kNode},           {"no", Kind::kNode},
  };
  for (const auto& [text, kind] : cases) {
    auto parsed = kind_from_resource_name(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(*parsed, kind) << text;
  }

  auto unknown = kind_from_resource_name("pods");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message,
            "unknown resource type \"pods\": use containers (container, ctr), pools (pool) or "
            "nodes (node, no)");
}

TEST(ObjectsTest, EnumNamesRoundTrip) {
  for (auto policy : {RestartPolicy::kAlways, RestartPolicy::kOnFailure, RestartPolicy::kNever}) {
    EXPECT_EQ(restart_policy_from_string(to_string(policy)), policy);
  }
  for (auto phase :
       {ContainerPhase::kPending, ContainerPhase::kCreating, ContainerPhase::kRunning,
        ContainerPhase::kCrashLoopBackOff, ContainerPhase::kFailed, ContainerPhase::kTerminating,
        ContainerPhase::kCompleted, ContainerPhase::kUnknown}) {
    EXPECT_EQ(container_phase_from_string(to_string(phase)), phase);
  }
  EXPECT_EQ(to_string(ContainerPhase::kCrashLoopBackOff), "CrashLoopBackOff");
  EXPECT_EQ(restart_policy_from_string("always"), std::nullopt);
}

TEST(ObjectsTest, JsonUsesManifestFieldNames) {
  json out = object_to_json(full_container());

  EXPECT_EQ(out["apiVersion"], "raictl.io/v1");
  EXPECT_EQ(out["kind"], "Container");
  EXPECT_EQ(out["metadata"]["labels"]["version"], "1.10");
  EXPECT_EQ(out["metadata"]["generation"], 4);
  EXPECT_EQ(out["metadata"]["createdAt"], "2024-05-01T12:00:00Z");
  EXPECT_EQ(out["metadata"]["deletionRequested"], "2024-05-02T08:30:00Z");
  EXPECT_EQ(out["spec"]["nodeSelector"]["disk"], "ssd");
  EXPECT_EQ(out["spec"]["restartPolicy"], "OnFailure");
  EXPECT_EQ(out["spec"]["resources"]["cpu"], "250m");
  EXPECT_EQ(out["spec"]["resources"]["memory"], "64Mi");
  EXPECT_EQ(out["spec"]["stopGracePeriodSeconds"], 30);
  EXPECT_EQ(out["spec"]["workingDir"], "/www");
  EXPECT_EQ(out["status"]["phase"], "CrashLoopBackOff");
  EXPECT_EQ(out["status"]["containerId"], "abc123");
  EXPECT_EQ(out["status"]["nextRetryAt"], "2024-05-01T12:01:00Z");
}

TEST(ObjectsTest, JsonOmitsUnsetFields) {
  Object object;
  object.kind = Kind::kContainer;
  object.meta.name = "web-1";
  ContainerSpec spec;
  spec.image = "busybox";
  object.spec = spec;

  json out = object_to_json(object);

  EXPECT_EQ(out["metadata"], json({{"name", "web-1"}}));
  EXPECT_EQ(out["spec"], json({{"image", "busybox"},
                               {"pool", "default"},
                               {"restartPolicy", "Always"},
                               {"stopGracePeriodSeconds", 10}}));
  EXPECT_FALSE(out.contains("status"));
}

TEST(ObjectsTest, ContainerRoundTripsThroughJsonText) {
  Object original = full_container();

  auto read = object_from_json_text(object_to_json(original).dump());

  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->kind, original.kind);
  EXPECT_EQ(read->meta, original.meta);
  EXPECT_EQ(std::get<ContainerSpec>(read->spec), std::get<ContainerSpec>(original.spec));
  EXPECT_EQ(read->status, original.status);
}

TEST(ObjectsTest, PoolRoundTripsThroughJson) {
  Object original = minimal_pool();
  auto& spec = std::get<PoolSpec>(original.spec);
  spec.gateway = "10.89.0.1";
  spec.range = "10.89.0.128/25";
  spec.exclude = {"10.89.0.200", "10.89.0.240/28"};

  auto read = object_from_json(object_to_json(original));

  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->kind, Kind::kPool);
  EXPECT_EQ(std::get<PoolSpec>(read->spec), spec);
  EXPECT_FALSE(read->status.has_value());
}

TEST(ObjectsTest, SpecJsonReadsBackSeparately) {
  Object container = full_container();

  auto spec = container_spec_from_json(spec_to_json(container));
  auto pool = pool_spec_from_json(spec_to_json(minimal_pool()));
  auto status = status_from_json(status_to_json(*container.status));

  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(*spec, std::get<ContainerSpec>(container.spec));
  ASSERT_TRUE(pool) << pool.error().message;
  EXPECT_EQ(pool->cidr, "10.89.0.0/24");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, *container.status);
}

TEST(ObjectsTest, IgnoresUnknownStoredFields) {
  json stored = object_to_json(minimal_pool());
  stored["spec"]["addedLater"] = true;
  stored["metadata"]["annotations"] = json::object();

  auto read = object_from_json(stored);

  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(std::get<PoolSpec>(read->spec).cidr, "10.89.0.0/24");
}

TEST(ObjectsTest, RejectsMalformedStoredData) {
  struct Case {
    std::string text;
    std::string expected_message;
  };
  const Case cases[] = {
      {"{", "stored object is malformed: invalid JSON: "},
      {"[]", "stored object is malformed: expected a JSON object"},
      {R"({"metadata":{"name":"a"},"spec":{}})", "stored object \"a\" is malformed: kind: missing"},
      {R"({"kind":"Node","metadata":{"name":"n1"},"spec":{}})",
       "stored object \"n1\" is malformed: kind: expected Pool or Container, got \"Node\""},
      {R"({"kind":"Pool","spec":{"cidr":"10.0.0.0/8"}})",
       "stored object is malformed: metadata: missing"},
      {R"({"kind":"Pool","metadata":{"name":"p"}})",
       "stored object \"p\" is malformed: spec: missing"},
      {R"({"kind":"Pool","metadata":{"name":"p"},"spec":{"cidr":24}})",
       "stored object \"p\" is malformed: spec.cidr: expected a string"},
      {R"({"kind":"Container","metadata":{"name":"c1","labels":{"a":1}},"spec":{"image":"x"}})",
       "stored object \"c1\" is malformed: metadata.labels.a: expected a string"},
      {R"({"kind":"Container","metadata":{"name":"c1"},"spec":{"image":"x","command":"sh"}})",
       "stored object \"c1\" is malformed: spec.command: expected a list of strings"},
      {R"({"kind":"Container","metadata":{"name":"c1"},"spec":{"image":"x",
          "resources":{"cpu":"lots"}}})",
       "stored object \"c1\" is malformed: spec.resources.cpu: cpu \"lots\" is invalid"},
      {R"({"kind":"Container","metadata":{"name":"c1"},"spec":{"image":"x",
          "stopGracePeriodSeconds":4000}})",
       "stored object \"c1\" is malformed: spec.stopGracePeriodSeconds: expected an integer "
       "from 0 to 3600"},
      {R"({"kind":"Container","metadata":{"name":"c1"},"spec":{"image":"x",
          "restartPolicy":"Sometimes"}})",
       "stored object \"c1\" is malformed: spec.restartPolicy: unknown policy \"Sometimes\""},
      {R"({"kind":"Container","metadata":{"name":"c1","generation":-1},"spec":{"image":"x"}})",
       "stored object \"c1\" is malformed: metadata.generation: expected an integer from 0 to"},
      {R"({"kind":"Container","metadata":{"name":"c1"},"spec":{"image":"x"},
          "status":{"phase":"Sleeping"}})",
       "stored object \"c1\" is malformed: status.phase: unknown phase \"Sleeping\""},
  };
  for (const Case& c : cases) {
    auto read = object_from_json_text(c.text);
    ASSERT_FALSE(read) << c.text;
    EXPECT_EQ(read.code(), ErrorCode::kInternal) << c.text;
    EXPECT_EQ(read.error().message.rfind(c.expected_message, 0), 0u)
        << "text: " << c.text << "\nmessage: " << read.error().message;
  }
}

TEST(ObjectsTest, SpecEqualComparesLabelsAndSpecOnly) {
  Object stored = full_container();
  Object applied = full_container();
  applied.meta.uid = "";
  applied.meta.generation = 0;
  applied.meta.created_at = "";
  applied.status.reset();
  applied.source = "web.yaml:1";

  EXPECT_TRUE(spec_equal(stored, applied));
  EXPECT_EQ(canonical_manifest_json(stored), canonical_manifest_json(applied));

  applied.meta.labels["app"] = "api";
  EXPECT_FALSE(spec_equal(stored, applied));

  applied = full_container();
  std::get<ContainerSpec>(applied.spec).resources.cpu_millis = 500;
  EXPECT_FALSE(spec_equal(stored, applied));
  EXPECT_NE(canonical_manifest_json(stored), canonical_manifest_json(applied));
}

TEST(ObjectsTest, YamlQuotesStringsThatLookLikeOtherTypes) {
  const std::string strings[] = {"1.10", "0755", "yes", "No",         "true",  "null", "~",
                                 "",     "2",    "-1",  ".inf",       "1e3",   "1:20", "1_000",
                                 "0x1F", "1.",   ".5",  "2024-05-01", "+12.5", "-.inf"};
  json object = json::object();
  for (const std::string& text : strings) {
    object["k" + text] = text;
  }

  std::string yaml = json_to_yaml(object);
  YAML::Node parsed = YAML::Load(yaml);

  for (const std::string& text : strings) {
    YAML::Node value = parsed["k" + text];
    ASSERT_TRUE(value.IsScalar()) << text << "\n" << yaml;
    EXPECT_EQ(value.Tag(), "!") << "\"" << text << "\" is not quoted in:\n" << yaml;
    EXPECT_EQ(value.Scalar(), text);
  }
}

TEST(ObjectsTest, YamlKeepsPlainStringsAndTypedValuesPlain) {
  json object = {{"name", "web-1"},       {"cpu", "100m"},         {"count", 3},       {"ok", true},
                 {"list", json::array()}, {"map", json::object()}, {"ip", "10.89.0.1"}};

  std::string yaml = json_to_yaml(object);

  EXPECT_EQ(yaml,
            "count: 3\n"
            "cpu: 100m\n"
            "ip: 10.89.0.1\n"
            "list: []\n"
            "map: {}\n"
            "name: web-1\n"
            "ok: true\n");
}

TEST(ObjectsTest, YamlOfObjectParsesBackToSameJson) {
  json original = object_to_json(full_container());

  YAML::Node parsed = YAML::Load(json_to_yaml(original));

  EXPECT_EQ(parsed["apiVersion"].Scalar(), "raictl.io/v1");
  EXPECT_EQ(parsed["metadata"]["labels"]["version"].Scalar(), "1.10");
  EXPECT_EQ(parsed["metadata"]["labels"]["version"].Tag(), "!");
  EXPECT_EQ(parsed["spec"]["env"]["MODE"].Tag(), "!");
  EXPECT_EQ(parsed["spec"]["env"]["GREETING"].Tag(), "!");
  EXPECT_EQ(parsed["spec"]["command"][2].Scalar(), "exec httpd -f -p 80");
  EXPECT_EQ(parsed["spec"]["stopGracePeriodSeconds"].Scalar(), "30");
  EXPECT_EQ(parsed["spec"]["stopGracePeriodSeconds"].Tag(), "?");
  EXPECT_EQ(parsed["status"]["restarts"].Scalar(), "3");
}

}  // namespace
}  // namespace raictl
