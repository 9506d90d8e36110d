#include "core/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace raictl {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

const std::string kSourceDir = RAICTL_SOURCE_DIR;

std::vector<std::string> error_lines(const ManifestParser& parser) {
  std::vector<std::string> lines;
  for (const ManifestError& error : parser.errors()) {
    lines.push_back(error.to_string());
  }
  return lines;
}

std::vector<std::string> parse_errors(const std::string& text) {
  ManifestParser parser;
  parser.add_text("app.yaml", text);
  return error_lines(parser);
}

// A valid container document with `extra` appended to its spec, starting at line 7.
std::string container_with(const std::string& extra) {
  return "apiVersion: raictl.io/v1\n"
         "kind: Container\n"
         "metadata:\n"
         "  name: web-1\n"
         "spec:\n"
         "  image: busybox\n" +
         extra;
}

const ContainerSpec& container_spec(const Object& object) {
  return std::get<ContainerSpec>(object.spec);
}

TEST(ManifestTest, ParsesExampleManifests) {
  ManifestParser parser;
  parser.add_file(kSourceDir + "/manifests/examples/pool.yaml");
  parser.add_file(kSourceDir + "/manifests/examples/web.yaml");

  ASSERT_THAT(error_lines(parser), ElementsAre());
  const std::vector<Object>& objects = parser.objects();
  ASSERT_EQ(objects.size(), 4u);

  EXPECT_EQ(objects[0].kind, Kind::kPool);
  EXPECT_EQ(objects[0].meta.name, "default");
  EXPECT_EQ(std::get<PoolSpec>(objects[0].spec).cidr, "10.89.0.0/24");
  EXPECT_EQ(std::get<PoolSpec>(objects[0].spec).gateway, "10.89.0.1");

  for (int i = 1; i <= 3; ++i) {
    const Object& web = objects[i];
    std::string name = "web-" + std::to_string(i);
    EXPECT_EQ(web.kind, Kind::kContainer);
    EXPECT_EQ(web.meta.name, name);
    EXPECT_EQ(web.meta.labels.at("app"), "web");
    EXPECT_EQ(container_spec(web).image, "raictl/busybox:latest");
    ASSERT_EQ(container_spec(web).command.size(), 3u);
    EXPECT_EQ(container_spec(web).command[1], "-c");
    EXPECT_EQ(container_spec(web).command[2],
              "mkdir -p /www && echo 'hello from " + name +
                  "' > /www/index.html && exec httpd -f -p 80 -h /www");
    EXPECT_EQ(container_spec(web).resources.cpu_millis, 100);
    EXPECT_EQ(container_spec(web).resources.memory_bytes, 32 * 1024 * 1024);
  }
  EXPECT_EQ(objects[1].source, kSourceDir + "/manifests/examples/web.yaml:2");
  EXPECT_EQ(objects[2].source, kSourceDir + "/manifests/examples/web.yaml:18");
}

TEST(ManifestTest, FillsDefaults) {
  auto objects = parse_manifest("app.yaml", container_with(""));

  ASSERT_TRUE(objects) << objects.error().message;
  ASSERT_EQ(objects->size(), 1u);
  const ContainerSpec& spec = container_spec(objects->front());
  EXPECT_EQ(spec.pool, "default");
  EXPECT_EQ(spec.restart_policy, RestartPolicy::kAlways);
  EXPECT_EQ(spec.stop_grace_period_seconds, 10);
  EXPECT_FALSE(spec.resources.cpu_millis.has_value());
  EXPECT_FALSE(spec.resources.memory_bytes.has_value());
  EXPECT_EQ(objects->front().source, "app.yaml:1");
}

TEST(ManifestTest, ReadsEveryContainerField) {
  auto objects = parse_manifest("app.yaml", container_with(R"(  command: [sh, -c]
  args: ["echo $GREETING"]
  env:
    GREETING: hello
    EMPTY: ""
  pool: blue
  ip: 10.89.0.10
  node: node-2
  nodeSelector:
    example.com/disk: ssd
  restartPolicy: OnFailure
  resources:
    cpu: 0.5
    memory: 1Gi
  stopGracePeriodSeconds: 0
  workingDir: /www
  hostname: web
)"));

  ASSERT_TRUE(objects) << objects.error().message;
  const ContainerSpec& spec = container_spec(objects->front());
  EXPECT_THAT(spec.command, ElementsAre("sh", "-c"));
  EXPECT_THAT(spec.args, ElementsAre("echo $GREETING"));
  EXPECT_EQ(spec.env.at("GREETING"), "hello");
  EXPECT_EQ(spec.env.at("EMPTY"), "");
  EXPECT_EQ(spec.pool, "blue");
  EXPECT_EQ(spec.ip, "10.89.0.10");
  EXPECT_EQ(spec.node, "node-2");
  EXPECT_EQ(spec.node_selector.at("example.com/disk"), "ssd");
  EXPECT_EQ(spec.restart_policy, RestartPolicy::kOnFailure);
  EXPECT_EQ(spec.resources.cpu_millis, 500);
  EXPECT_EQ(spec.resources.memory_bytes, int64_t{1} << 30);
  EXPECT_EQ(spec.stop_grace_period_seconds, 0);
  EXPECT_EQ(spec.working_dir, "/www");
  EXPECT_EQ(spec.hostname, "web");
}

TEST(ManifestTest, ReadsPoolFields) {
  auto objects = parse_manifest("pool.yaml", R"(apiVersion: raictl.io/v1
kind: Pool
metadata:
  name: blue
  labels:
    tier: backend
spec:
  cidr: 10.90.0.0/16
  gateway: 10.90.0.1
  range: 10.90.1.0/24
  exclude:
    - 10.90.1.1
    - 10.90.1.128/28
)");

  ASSERT_TRUE(objects) << objects.error().message;
  const auto& spec = std::get<PoolSpec>(objects->front().spec);
  EXPECT_EQ(spec.cidr, "10.90.0.0/16");
  EXPECT_EQ(spec.gateway, "10.90.0.1");
  EXPECT_EQ(spec.range, "10.90.1.0/24");
  EXPECT_THAT(spec.exclude, ElementsAre("10.90.1.1", "10.90.1.128/28"));
  EXPECT_EQ(objects->front().meta.labels.at("tier"), "backend");
}

TEST(ManifestTest, KeepsScalarsAsWritten) {
  auto objects = parse_manifest("app.yaml", R"(apiVersion: raictl.io/v1
kind: Container
metadata:
  name: web-1
  labels:
    version: 1.10
    enabled: yes
    mode: 0755
    quoted: "007"
    big: 1e3
spec:
  image: busybox
  command: [echo, 1.50, no, 0x1F]
  env:
    PI: 3.14000
    FLAG: off
)");

  ASSERT_TRUE(objects) << objects.error().message;
  const Object& object = objects->front();
  EXPECT_EQ(object.meta.labels.at("version"), "1.10");
  EXPECT_EQ(object.meta.labels.at("enabled"), "yes");
  EXPECT_EQ(object.meta.labels.at("mode"), "0755");
  EXPECT_EQ(object.meta.labels.at("quoted"), "007");
  EXPECT_EQ(object.meta.labels.at("big"), "1e3");
  EXPECT_THAT(container_spec(object).command, ElementsAre("echo", "1.50", "no", "0x1F"));
  EXPECT_EQ(container_spec(object).env.at("PI"), "3.14000");
  EXPECT_EQ(container_spec(object).env.at("FLAG"), "off");
}

TEST(ManifestTest, ReadsSeveralDocumentsAndSkipsEmptyOnes) {
  auto objects = parse_manifest("app.yaml", R"(# leading comment
---
apiVersion: raictl.io/v1
kind: Pool
metadata: {name: default}
spec: {cidr: 10.89.0.0/24}
---
# a document with only a comment
---
---
apiVersion: raictl.io/v1
kind: Container
metadata:
  name: web-1
spec:
  image: busybox
...
)");

  ASSERT_TRUE(objects) << objects.error().message;
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].source, "app.yaml:3");
  EXPECT_EQ((*objects)[1].kind, Kind::kContainer);
  EXPECT_EQ((*objects)[1].source, "app.yaml:11");
}

TEST(ManifestTest, AllowsTabsInsideBlockScalars) {
  auto objects = parse_manifest("app.yaml", container_with("  args:\n"
                                                           "    - |\n"
                                                           "      line one\n"
                                                           "      \tindented with a tab\n"
                                                           "  workingDir: /srv\n"));

  ASSERT_TRUE(objects) << objects.error().message;
  EXPECT_EQ(container_spec(objects->front()).args.at(0), "line one\n\tindented with a tab\n");
  EXPECT_EQ(container_spec(objects->front()).working_dir, "/srv");
}

struct ErrorCase {
  std::string name;
  std::string text;
  std::vector<std::string> expected;
};

TEST(ManifestTest, ReportsEachErrorWithFileLineAndField) {
  const ErrorCase cases[] = {
      {"unknown field with suggestion",
       container_with("  imagee: busybox:latest\n"),
       {"app.yaml:7: spec.imagee: unknown field (did you mean \"image\"?)"}},
      {"unknown field without suggestion",
       container_with("  ports: [80]\n"),
       {"app.yaml:7: spec.ports: unknown field; the fields of spec are image, command, args, env, "
        "pool, ip, node, nodeSelector, restartPolicy, resources, stopGracePeriodSeconds, "
        "workingDir, hostname"}},
      {"field name in wrong case",
       container_with("  restartpolicy: Never\n"),
       {"app.yaml:7: spec.restartpolicy: unknown field (did you mean \"restartPolicy\"?)"}},
      {"unknown metadata field",
       "apiVersion: raictl.io/v1\nkind: Pool\nmetadata:\n  name: p1\n  namespace: x\n"
       "spec:\n  cidr: 10.0.0.0/8\n",
       {"app.yaml:5: metadata.namespace: unknown field; the fields of metadata are name, "
        "labels"}},
      {"unknown top-level field",
       "apiVersion: raictl.io/v1\nkind: Pool\nmetadata:\n  name: p1\nspec:\n  cidr: "
       "10.0.0.0/8\nspek: {}\n",
       {"app.yaml:7: spek: unknown field (did you mean \"spec\"?)"}},
      {"status in a manifest",
       container_with("status:\n  phase: Running\n"),
       {"app.yaml:7: status: the status is written by raictl; remove it from the manifest"}},
      {"duplicate key in metadata",
       "apiVersion: raictl.io/v1\nmetadata:\n  name: web-1\n  name: web-2\nkind: Container\n"
       "spec:\n  image: busybox\n",
       {"app.yaml:4: duplicate key \"name\" in metadata (first at line 3)"}},
      {"duplicate key at top level",
       container_with("kind: Pool\n"),
       {"app.yaml:7: duplicate key \"kind\" in the document (first at line 2)"}},
      {"duplicate key in env",
       container_with("  env:\n    A: x\n    A: y\n"),
       {"app.yaml:9: duplicate key \"A\" in spec.env (first at line 8)"}},
      {"tab in indentation",
       "apiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: web-1\n\tlabels: {}\n"
       "spec:\n  image: busybox\n",
       {"app.yaml:5: tab character in indentation; YAML allows only spaces"}},
      {"tab after spaces",
       container_with("  \tcommand: [sh]\n"),
       {"app.yaml:7: tab character in indentation; YAML allows only spaces"}},
      {"invalid YAML",
       container_with("  command: [sh, -c\n  args: []\n"),
       {"app.yaml:8: invalid YAML: end of sequence flow not found"}},
      {"document that is not a map",
       "just a string\n",
       {"app.yaml:1: expected a map with apiVersion, kind, metadata and spec, got a string"}},
      {"invalid container name",
       "apiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: Web_1\nspec:\n"
       "  image: busybox\n",
       {"app.yaml:4: metadata.name: container name \"Web_1\" is invalid: use lowercase letters, "
        "digits and '-' (DNS-1123 label), for example \"web-1\""}},
      {"one-character container name",
       "apiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: a\nspec:\n"
       "  image: busybox\n",
       {"app.yaml:4: metadata.name: container name \"a\" is invalid: use at least 2 characters, "
        "for example \"a1\""}},
      {"invalid pool name",
       "apiVersion: raictl.io/v1\nkind: Pool\nmetadata:\n  name: -blue\n"
       "spec:\n  cidr: 10.0.0.0/8\n",
       {"app.yaml:4: metadata.name: pool name \"-blue\" is invalid: start and end it with a "
        "lowercase letter or digit (DNS-1123 label), for example \"blue\""}},
      {"missing apiVersion",
       "kind: Pool\nmetadata:\n  name: p1\nspec:\n  cidr: 10.0.0.0/8\n",
       {"app.yaml:1: apiVersion: missing; set apiVersion: raictl.io/v1"}},
      {"unsupported apiVersion",
       "apiVersion: v1\nkind: Pool\nmetadata:\n  name: p1\nspec:\n  cidr: 10.0.0.0/8\n",
       {"app.yaml:1: apiVersion: \"v1\" is not supported; use raictl.io/v1"}},
      {"missing kind",
       "apiVersion: raictl.io/v1\nmetadata:\n  name: p1\nspec: {}\n",
       {"app.yaml:1: kind: missing; set kind: Pool or kind: Container"}},
      {"unknown kind",
       "apiVersion: raictl.io/v1\nkind: Deployment\nmetadata:\n  name: p1\nspec: {}\n",
       {"app.yaml:2: kind: unknown kind \"Deployment\"; use Pool or Container"}},
      {"kind in wrong case",
       "apiVersion: raictl.io/v1\nkind: container\nmetadata:\n  name: p1\nspec: {}\n",
       {"app.yaml:2: kind: unknown kind \"container\"; kinds are case-sensitive, did you mean "
        "\"Container\"?"}},
      {"Node kind",
       "apiVersion: raictl.io/v1\nkind: Node\nmetadata:\n  name: n1\nspec: {}\n",
       {"app.yaml:2: kind: Node cannot be applied because nodes register themselves; use Pool "
        "or Container"}},
      {"missing metadata",
       "apiVersion: raictl.io/v1\nkind: Pool\nspec:\n  cidr: 10.0.0.0/8\n",
       {"app.yaml:1: metadata: missing; set metadata.name to the object's name"}},
      {"missing name",
       "apiVersion: raictl.io/v1\nkind: Pool\nmetadata:\n  labels: {}\nspec:\n  cidr: "
       "10.0.0.0/8\n",
       {"app.yaml:3: metadata.name: missing; set the object's name, for example \"web-1\""}},
      {"missing spec",
       "apiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: web-1\n",
       {"app.yaml:1: spec: missing; a Container needs a spec"}},
      {"missing image",
       "apiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: web-1\nspec:\n"
       "  command: [sh]\n",
       {"app.yaml:5: spec.image: missing; set the image to run, for example "
        "\"raictl/busybox:latest\""}},
      {"empty spec",
       "apiVersion: raictl.io/v1\nkind: Pool\nmetadata:\n  name: p1\nspec:\n",
       {"app.yaml:5: spec.cidr: missing; set the pool's network, for example \"10.89.0.0/24\""}},
      {"invalid image",
       "apiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: web-1\nspec:\n"
       "  image: Busybox\n",
       {"app.yaml:6: spec.image: image \"Busybox\" is invalid: repository names must be "
        "lowercase, for example \"busybox\""}},
      {"command as a string",
       container_with("  command: sh -c 'echo hi'\n"),
       {"app.yaml:7: spec.command: expected a list of strings, got a string"}},
      {"command element as a map",
       container_with("  command:\n    - sh\n    - {a: b}\n"),
       {"app.yaml:9: spec.command[1]: expected a string, got a map"}},
      {"args as a map",
       container_with("  args: {a: b}\n"),
       {"app.yaml:7: spec.args: expected a list of strings, got a map"}},
      {"env as a list",
       container_with("  env: [A=b]\n"),
       {"app.yaml:7: spec.env: expected a map of strings, got a list"}},
      {"env value as a list",
       container_with("  env:\n    A: [x]\n"),
       {"app.yaml:8: spec.env.A: expected a string, got a list"}},
      {"env value missing",
       container_with("  env:\n    A:\n"),
       {"app.yaml:8: spec.env.A: missing value; write \"\" for an empty string"}},
      {"invalid env name",
       container_with("  env:\n    MY-VAR: x\n"),
       {"app.yaml:8: spec.env.MY-VAR: environment variable name \"MY-VAR\" is invalid: use "
        "letters, digits and '_', not starting with a digit, for example \"MY_VAR\""}},
      {"image given twice",
       container_with("  image: [a]\n"),
       {"app.yaml:7: duplicate key \"image\" in spec (first at line 6)"}},
      {"image as a list",
       "apiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: web-1\nspec:\n"
       "  image: [a]\n",
       {"app.yaml:6: spec.image: expected a string, got a list"}},
      {"pool as a map",
       container_with("  pool: {name: blue}\n"),
       {"app.yaml:7: spec.pool: expected a string, got a map"}},
      {"invalid pool reference",
       container_with("  pool: Blue\n"),
       {"app.yaml:7: spec.pool: pool name \"Blue\" is invalid: use lowercase letters, digits and "
        "'-' (DNS-1123 label), for example \"blue\""}},
      {"invalid node",
       container_with("  node: node_2\n"),
       {"app.yaml:7: spec.node: node name \"node_2\" is invalid: use lowercase letters, digits "
        "and '-' (DNS-1123 label), for example \"node-2\""}},
      {"invalid hostname",
       container_with("  hostname: my.host\n"),
       {"app.yaml:7: spec.hostname: hostname \"my.host\" is invalid: use lowercase letters, "
        "digits and '-' (DNS-1123 label), for example \"my-host\""}},
      {"invalid ip",
       container_with("  ip: 10.89.0.256\n"),
       {"app.yaml:7: spec.ip: \"10.89.0.256\" is not an IPv4 address; write four numbers from 0 "
        "to 255 separated by dots, for example \"10.89.0.10\""}},
      {"ip with leading zero",
       container_with("  ip: 10.89.0.010\n"),
       {"app.yaml:7: spec.ip: \"10.89.0.010\" is not an IPv4 address; write four numbers from 0 "
        "to 255 separated by dots, for example \"10.89.0.10\""}},
      {"ip with CIDR suffix",
       container_with("  ip: 10.89.0.10/24\n"),
       {"app.yaml:7: spec.ip: \"10.89.0.10/24\" is not an IPv4 address; write four numbers from "
        "0 to 255 separated by dots, for example \"10.89.0.10\""}},
      {"unknown restart policy",
       container_with("  restartPolicy: always\n"),
       {"app.yaml:7: spec.restartPolicy: unknown policy \"always\"; use Always, OnFailure or "
        "Never"}},
      {"invalid node selector key",
       container_with("  nodeSelector:\n    -disk: ssd\n"),
       {"app.yaml:8: spec.nodeSelector.-disk: label key \"-disk\" is invalid: the name after an "
        "optional \"prefix/\" must be 1 to 63 letters, digits, '-', '_' or '.', starting and "
        "ending with a letter or digit"}},
      {"invalid label value",
       "apiVersion: raictl.io/v1\nkind: Pool\nmetadata:\n  name: p1\n  labels:\n"
       "    example.com/owner: a b\nspec:\n  cidr: 10.0.0.0/8\n",
       {"app.yaml:6: metadata.labels[\"example.com/owner\"]: label value \"a b\" of key "
        "\"example.com/owner\" is invalid: use at most 63 letters, digits, '-', '_' or '.', "
        "starting and ending with a letter or digit"}},
      {"labels as a list",
       "apiVersion: raictl.io/v1\nkind: Pool\nmetadata:\n  name: p1\n  labels: [a]\n"
       "spec:\n  cidr: 10.0.0.0/8\n",
       {"app.yaml:5: metadata.labels: expected a map of strings, got a list"}},
      {"resources as a string",
       container_with("  resources: small\n"),
       {"app.yaml:7: spec.resources: expected a map with cpu and memory, got a string"}},
      {"unknown resource",
       container_with("  resources:\n    storage: 1Gi\n"),
       {"app.yaml:8: spec.resources.storage: unknown field; the fields of spec.resources are cpu, "
        "memory"}},
      {"invalid cpu",
       container_with("  resources:\n    cpu: 250x\n"),
       {"app.yaml:8: spec.resources.cpu: cpu \"250x\" is invalid: unknown unit \"x\"; use cores "
        "(\"0.5\", \"2\") or millicores (\"250m\")"}},
      {"memory with a file-size unit",
       container_with("  resources:\n    memory: 64Mb\n"),
       {"app.yaml:8: spec.resources.memory: memory \"64Mb\" is invalid: unknown unit \"Mb\"; use "
        "64Mi (1024-based) or 64M (1000-based)"}},
      {"memory below Docker's minimum",
       container_with("  resources:\n    memory: 4Mi\n"),
       {"app.yaml:8: spec.resources.memory: memory \"4Mi\" is below Docker's minimum of 6Mi; use "
        "at least 6Mi or omit memory for no limit"}},
      {"grace period as a word",
       container_with("  stopGracePeriodSeconds: ten\n"),
       {"app.yaml:7: spec.stopGracePeriodSeconds: expected a whole number of seconds from 0 to "
        "3600, got \"ten\""}},
      {"grace period quoted",
       container_with("  stopGracePeriodSeconds: \"10\"\n"),
       {"app.yaml:7: spec.stopGracePeriodSeconds: expected a whole number of seconds from 0 to "
        "3600, got \"10\""}},
      {"grace period too long",
       container_with("  stopGracePeriodSeconds: 3601\n"),
       {"app.yaml:7: spec.stopGracePeriodSeconds: expected a whole number of seconds from 0 to "
        "3600, got \"3601\""}},
      {"grace period negative",
       container_with("  stopGracePeriodSeconds: -1\n"),
       {"app.yaml:7: spec.stopGracePeriodSeconds: expected a whole number of seconds from 0 to "
        "3600, got \"-1\""}},
      {"grace period as a list",
       container_with("  stopGracePeriodSeconds: [1]\n"),
       {"app.yaml:7: spec.stopGracePeriodSeconds: expected a whole number of seconds from 0 to "
        "3600, got a list"}},
      {"relative working directory",
       container_with("  workingDir: www\n"),
       {"app.yaml:7: spec.workingDir: \"www\" is not an absolute path; start it with '/', for "
        "example \"/www\""}},
      {"pool exclude as a string",
       "apiVersion: raictl.io/v1\nkind: Pool\nmetadata:\n  name: p1\nspec:\n"
       "  cidr: 10.0.0.0/8\n  exclude: 10.0.0.1\n",
       {"app.yaml:7: spec.exclude: expected a list of strings, got a string"}},
      {"non-string key",
       container_with("  ? [a, b]\n  : c\n"),
       {"app.yaml:7: spec: keys must be strings, got a list"}},
      {"empty file",
       "",
       {"app.yaml: no objects found; a manifest needs at least one document "
        "with apiVersion, kind, metadata and spec"}},
      {"comments only",
       "# nothing here\n---\n# nor here\n",
       {"app.yaml: no objects found; a manifest needs at least one document with apiVersion, "
        "kind, metadata and spec"}},
  };
  for (const ErrorCase& c : cases) {
    EXPECT_THAT(parse_errors(c.text), ElementsAreArray(c.expected)) << c.name;
  }
}

TEST(ManifestTest, CollectsErrorsOfEveryDocument) {
  ManifestParser parser;
  parser.add_text("app.yaml", R"(apiVersion: raictl.io/v1
kind: Container
metadata:
  name: web-1
spec:
  imagee: busybox
  restartPolicy: Sometimes
---
apiVersion: raictl.io/v1
kind: Pool
metadata:
  name: default
spec:
  cidr: 10.89.0.0/24
---
apiVersion: raictl.io/v1
kind: Container
metadata:
  name: Web-2
spec:
  image: busybox
)");

  EXPECT_THAT(error_lines(parser),
              ElementsAre("app.yaml:5: spec.image: missing; set the image to run, for example "
                          "\"raictl/busybox:latest\"",
                          "app.yaml:6: spec.imagee: unknown field (did you mean \"image\"?)",
                          "app.yaml:7: spec.restartPolicy: unknown policy \"Sometimes\"; use "
                          "Always, OnFailure or Never",
                          "app.yaml:19: metadata.name: container name \"Web-2\" is invalid: use "
                          "lowercase letters, digits and '-' (DNS-1123 label), for example "
                          "\"web-2\""));
  ASSERT_EQ(parser.objects().size(), 1u);
  EXPECT_EQ(parser.objects()[0].meta.name, "default");

  auto result = parser.result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(result.error().message, HasSubstr("app.yaml:7: spec.restartPolicy"));
  EXPECT_EQ(std::count(result.error().message.begin(), result.error().message.end(), '\n'), 3);
}

TEST(ManifestTest, RejectsDuplicateObjectsWithinOneFile) {
  auto errors = parse_errors(R"(apiVersion: raictl.io/v1
kind: Container
metadata:
  name: web-1
spec:
  image: busybox
---
apiVersion: raictl.io/v1
kind: Pool
metadata:
  name: web-1
spec:
  cidr: 10.0.0.0/8
---
apiVersion: raictl.io/v1
kind: Container
metadata:
  name: web-1
spec:
  image: nginx
)");

  EXPECT_THAT(errors, ElementsAre("app.yaml:18: metadata.name: Container \"web-1\" is defined "
                                  "twice, here and at app.yaml:4; names must be unique per kind"));
}

TEST(ManifestTest, RejectsDuplicateObjectsAcrossFiles) {
  const std::string pool =
      "apiVersion: raictl.io/v1\nkind: Pool\nmetadata:\n  name: default\n"
      "spec:\n  cidr: 10.89.0.0/24\n";
  ManifestParser parser;
  parser.add_text("a.yaml", pool);
  parser.add_text("b.yaml", "# the same pool again\n" + pool);

  EXPECT_THAT(error_lines(parser),
              ElementsAre("b.yaml:5: metadata.name: Pool \"default\" is defined twice, here and "
                          "at a.yaml:4; names must be unique per kind"));
  EXPECT_EQ(parser.objects().size(), 1u);
}

TEST(ManifestTest, ReportsUnreadableFile) {
  testing::TempDir dir;
  ManifestParser parser;
  parser.add_file(dir.file("missing.yaml"));

  EXPECT_THAT(
      error_lines(parser),
      ElementsAre(dir.file("missing.yaml") + ": cannot read the file: No such file or directory"));
}

TEST(ManifestTest, RejectsBadExampleFiles) {
  const std::string dir = kSourceDir + "/tests/data/manifests/";
  const std::pair<std::string, std::string> cases[] = {
      {"duplicate_key.yaml", ":5: duplicate key \"name\" in metadata (first at line 4)"},
      {"tab.yaml", ":5: tab character in indentation; YAML allows only spaces"},
      {"invalid_name.yaml",
       ":4: metadata.name: container name \"Web_1\" is invalid: use "
       "lowercase letters, digits and '-' (DNS-1123 label), for example "
       "\"web-1\""},
      {"unknown_field.yaml", ":7: spec.imagee: unknown field (did you mean \"image\"?)"},
      {"no_objects.yaml",
       ": no objects found; a manifest needs at least one document with "
       "apiVersion, kind, metadata and spec"},
  };
  for (const auto& [file, expected] : cases) {
    ManifestParser parser;
    parser.add_file(dir + file);
    EXPECT_THAT(error_lines(parser), ElementsAre(dir + file + expected)) << file;
  }

  ManifestParser parser;
  parser.add_file(dir + "wrong_type.yaml");
  EXPECT_THAT(error_lines(parser),
              ElementsAre(dir + "wrong_type.yaml:7: spec.command: expected a list of strings, "
                                "got a string",
                          dir + "wrong_type.yaml:8: spec.stopGracePeriodSeconds: expected a "
                                "whole number of seconds from 0 to 3600, got \"ten\""));
}

TEST(ManifestTest, ParsedObjectRoundTripsThroughJson) {
  auto objects = parse_manifest("app.yaml", container_with(R"(  env:
    MODE: "0755"
  resources:
    cpu: "2"
    memory: 128M
)"));
  ASSERT_TRUE(objects) << objects.error().message;

  auto read = object_from_json(object_to_json(objects->front()));

  ASSERT_TRUE(read) << read.error().message;
  EXPECT_TRUE(spec_equal(*read, objects->front()));
  EXPECT_EQ(object_to_json(*read)["spec"]["resources"]["memory"], "128M");
  EXPECT_EQ(object_to_json(*read)["spec"]["resources"]["cpu"], "2");
}

}  // namespace
}  // namespace raictl
