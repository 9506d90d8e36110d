#include "runtime/docker_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace raictl {
namespace {

using nlohmann::json;

ContainerConfig full_spec() {
  ContainerConfig spec;
  spec.name = "web-1";
  spec.image = "raictl/busybox:latest";
  spec.command = {"httpd", "-f", "-p", "80"};
  spec.entrypoint = std::vector<std::string>{"/bin/sh", "-c"};
  spec.env = {{"MODE", "test"}, {"EMPTY", ""}};
  spec.labels = {{"raictl.managed", "true"}, {"raictl.uid", "u-1"}};
  spec.working_dir = "/www";
  spec.hostname = "web-1";
  spec.nano_cpus = 1'500'000'000;
  spec.memory_bytes = 64 * 1024 * 1024;
  spec.stop_signal = "SIGINT";
  spec.stop_timeout = std::chrono::seconds(7);
  spec.network = NetworkAttachment{"raictl-blue", "10.88.0.10"};
  return spec;
}

TEST(ContainerCreateBodyTest, CarriesEveryField) {
  json body = json::parse(container_create_body(full_spec()));

  EXPECT_EQ(body["Image"], "raictl/busybox:latest");
  EXPECT_EQ(body["Cmd"], json({"httpd", "-f", "-p", "80"}));
  EXPECT_EQ(body["Entrypoint"], json({"/bin/sh", "-c"}));
  EXPECT_EQ(body["Env"], json({"EMPTY=", "MODE=test"}));
  EXPECT_EQ(body["Labels"]["raictl.uid"], "u-1");
  EXPECT_EQ(body["WorkingDir"], "/www");
  EXPECT_EQ(body["Hostname"], "web-1");
  EXPECT_EQ(body["StopSignal"], "SIGINT");
  EXPECT_EQ(body["StopTimeout"], 7);
  EXPECT_EQ(body["HostConfig"]["NanoCpus"], 1'500'000'000);
  EXPECT_EQ(body["HostConfig"]["Memory"], 64 * 1024 * 1024);
  EXPECT_EQ(body["HostConfig"]["NetworkMode"], "raictl-blue");
  EXPECT_EQ(body["NetworkingConfig"]["EndpointsConfig"]["raictl-blue"]["IPAMConfig"]["IPv4Address"],
            "10.88.0.10");
}

TEST(ContainerCreateBodyTest, OmitsUnsetFields) {
  ContainerConfig spec;
  spec.name = "bare";
  spec.image = "raictl/busybox";

  json body = json::parse(container_create_body(spec));

  for (const char* key : {"Cmd", "Entrypoint", "Env", "Labels", "WorkingDir", "Hostname",
                          "StopSignal", "StopTimeout", "NetworkingConfig"}) {
    EXPECT_FALSE(body.contains(key)) << key;
  }
  EXPECT_EQ(body["HostConfig"], json::object());
}

TEST(ContainerCreateBodyTest, EmptyEntrypointClearsImages) {
  ContainerConfig spec;
  spec.image = "raictl/busybox";
  spec.entrypoint = std::vector<std::string>{};

  json body = json::parse(container_create_body(spec));

  EXPECT_EQ(body["Entrypoint"], json::array());
}

TEST(ContainerCreateBodyTest, NetworkWithoutAddressLetsDockerPick) {
  ContainerConfig spec;
  spec.image = "raictl/busybox";
  spec.network = NetworkAttachment{"raictl-blue", ""};

  json body = json::parse(container_create_body(spec));

  EXPECT_EQ(body["NetworkingConfig"]["EndpointsConfig"]["raictl-blue"], json::object());
}

TEST(ContainerCreateBodyTest, ReplacesInvalidUtf8) {
  ContainerConfig spec;
  spec.image = "raictl/busybox";
  spec.env = {{"BAD", std::string("\xff\xfe")}};

  EXPECT_TRUE(json::accept(container_create_body(spec)));
}

TEST(NetworkCreateBodyTest, CarriesBridgeOptions) {
  NetworkSpec spec{
      "raictl-blue", "10.88.0.0/24",           "10.88.0.1", "10.88.0.128/25", "rbr-blue",
      1400,          {{"raictl.pool", "blue"}}};

  json body = json::parse(network_create_body(spec));

  EXPECT_EQ(body["Name"], "raictl-blue");
  EXPECT_EQ(body["Driver"], "bridge");
  EXPECT_EQ(body["CheckDuplicate"], true);
  EXPECT_EQ(body["IPAM"]["Config"][0]["Subnet"], "10.88.0.0/24");
  EXPECT_EQ(body["IPAM"]["Config"][0]["Gateway"], "10.88.0.1");
  EXPECT_EQ(body["IPAM"]["Config"][0]["IPRange"], "10.88.0.128/25");
  EXPECT_EQ(body["Options"]["com.docker.network.bridge.name"], "rbr-blue");
  EXPECT_EQ(body["Options"]["com.docker.network.driver.mtu"], "1400");
  EXPECT_EQ(body["Labels"]["raictl.pool"], "blue");
}

TEST(NetworkCreateBodyTest, WithoutSubnetSendsNoPool) {
  NetworkSpec spec;
  spec.name = "auto";

  json body = json::parse(network_create_body(spec));

  EXPECT_EQ(body["IPAM"]["Config"], json::array());
  EXPECT_EQ(body["Options"], json::object());
}

TEST(FiltersTest, SelectsEveryLabel) {
  json filters = json::parse(label_filters({{"raictl.managed", "true"}, {"raictl.node", "n-1"}}));

  EXPECT_EQ(filters["label"], json({"raictl.managed=true", "raictl.node=n-1"}));
  EXPECT_EQ(json::parse(label_filters({})), json::object());
}

TEST(FiltersTest, EventsSelectContainerLifecycle) {
  json filters = json::parse(event_filters(EventFilter{{{"raictl.managed", "true"}}}));

  EXPECT_EQ(filters["type"], json({"container"}));
  EXPECT_EQ(filters["event"], json({"start", "die", "oom", "destroy"}));
  EXPECT_EQ(filters["label"], json({"raictl.managed=true"}));
}

TEST(DockerTimeTest, ParsesNanosecondsAndZeroTime) {
  auto time = parse_docker_time("2024-05-01T12:00:01.123456789Z");
  ASSERT_TRUE(time.has_value());
  auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(time->time_since_epoch()).count();
  EXPECT_EQ(nanos, 1714564801'123456789LL);

  auto whole = parse_docker_time("2024-05-01T12:00:01Z");
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(whole->time_since_epoch()).count(),
            1714564801);

  EXPECT_FALSE(parse_docker_time("0001-01-01T00:00:00Z").has_value());
  EXPECT_FALSE(parse_docker_time("").has_value());
  EXPECT_FALSE(parse_docker_time("2024-05-01T12:00:01+02:00").has_value());
  EXPECT_FALSE(parse_docker_time("2024-02-30T12:00:01Z").has_value());
}

TEST(ContainerInspectTest, ReadsStateNetworksAndLabels) {
  const char* body = R"({
    "Id": "abc123", "Name": "/web-1",
    "Config": {"Image": "raictl/busybox:latest", "Labels": {"raictl.managed": "true"}},
    "State": {"Status": "exited", "Running": false, "ExitCode": 137, "OOMKilled": true,
              "Error": "", "StartedAt": "2024-05-01T12:00:00.5Z",
              "FinishedAt": "2024-05-01T12:00:03Z"},
    "NetworkSettings": {"Networks": {"raictl-blue": {
        "NetworkID": "n1", "IPAddress": "10.88.0.10", "IPPrefixLen": 24,
        "Gateway": "10.88.0.1", "MacAddress": "02:42:0a:58:00:0a"}}}
  })";

  auto info = parse_container_inspect(body);

  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->id, "abc123");
  EXPECT_EQ(info->name, "web-1");
  EXPECT_EQ(info->image, "raictl/busybox:latest");
  EXPECT_EQ(info->state, ContainerState::kExited);
  EXPECT_EQ(info->exit_code, 137);
  EXPECT_TRUE(info->oom_killed);
  ASSERT_TRUE(info->started_at.has_value());
  ASSERT_TRUE(info->finished_at.has_value());
  EXPECT_EQ(*info->finished_at - *info->started_at, std::chrono::milliseconds(2500));
  EXPECT_EQ(info->labels.at("raictl.managed"), "true");
  ASSERT_EQ(info->networks.count("raictl-blue"), 1u);
  EXPECT_EQ(info->networks.at("raictl-blue").ipv4_address, "10.88.0.10");
  EXPECT_EQ(info->networks.at("raictl-blue").prefix_length, 24);
  EXPECT_EQ(info->networks.at("raictl-blue").gateway, "10.88.0.1");
}

TEST(ContainerInspectTest, ToleratesNullsAndNeverStarted) {
  const char* body = R"({"Id": "x1", "Name": "/fresh", "Config": {"Labels": null},
    "State": {"Status": "created", "StartedAt": "0001-01-01T00:00:00Z"},
    "NetworkSettings": {"Networks": null}})";

  auto info = parse_container_inspect(body);

  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->state, ContainerState::kCreated);
  EXPECT_FALSE(info->started_at.has_value());
  EXPECT_TRUE(info->labels.empty());
  EXPECT_TRUE(info->networks.empty());
}

TEST(ContainerInspectTest, RejectsText) {
  auto info = parse_container_inspect("not json");

  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.code(), ErrorCode::kInternal);
  EXPECT_NE(info.error().message.find("unexpected reply from dockerd"), std::string::npos);
}

TEST(ContainerListTest, ReadsSummaries) {
  const char* body = R"([
    {"Id": "a1", "Names": ["/web-1"], "Image": "raictl/busybox", "State": "running",
     "Labels": {"raictl.managed": "true"},
     "NetworkSettings": {"Networks": {"raictl-blue": {"IPAddress": "10.88.0.10"}}}},
    {"Id": "b2", "Names": ["/web-2"], "Image": "raictl/busybox", "State": "sleeping",
     "Labels": null}
  ])";

  auto list = parse_container_list(body);

  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "web-1");
  EXPECT_EQ((*list)[0].state, ContainerState::kRunning);
  EXPECT_EQ((*list)[0].ipv4_addresses.at("raictl-blue"), "10.88.0.10");
  EXPECT_EQ((*list)[1].state, ContainerState::kDead) << "an unknown state reads as dead";
  EXPECT_FALSE(parse_container_list(R"({"Id": "a1"})").ok());
}

TEST(NetworkParseTest, ReadsPoolOptionsAndMembers) {
  const char* body = R"({"Name": "raictl-blue", "Id": "n1", "Driver": "bridge",
    "IPAM": {"Driver": "default", "Config": [{"Subnet": "10.88.0.0/24",
             "Gateway": "10.88.0.1", "IPRange": "10.88.0.128/25"}]},
    "Options": {"com.docker.network.bridge.name": "rbr-blue",
                "com.docker.network.driver.mtu": "1400"},
    "Labels": {"raictl.pool": "blue"},
    "Containers": {"c1": {"Name": "web-1", "IPv4Address": "10.88.0.10/24"}}})";

  auto network = parse_network(body);

  ASSERT_TRUE(network.ok()) << network.error().message;
  EXPECT_EQ(network->subnet, "10.88.0.0/24");
  EXPECT_EQ(network->gateway, "10.88.0.1");
  EXPECT_EQ(network->ip_range, "10.88.0.128/25");
  EXPECT_EQ(network->bridge_name, "rbr-blue");
  EXPECT_EQ(network->mtu, 1400);
  EXPECT_EQ(network->labels.at("raictl.pool"), "blue");
  ASSERT_EQ(network->members.size(), 1u);
  EXPECT_EQ(network->members[0].name, "web-1");
  EXPECT_EQ(network->members[0].ipv4_address, "10.88.0.10");
}

TEST(EngineInfoParseTest, RequiresCapacity) {
  auto info = parse_engine_info(
      R"({"NCPU": 8, "MemTotal": 17179869184, "Name": "host-1", "ServerVersion": "20.10.24"})");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->cpus, 8);
  EXPECT_EQ(info->memory_bytes, 17179869184);
  EXPECT_EQ(info->hostname, "host-1");

  EXPECT_FALSE(parse_engine_info(R"({"Name": "host-1"})").ok());
}

TEST(ImportProgressTest, FindsErrorInStream) {
  const char* failed =
      "{\"status\":\"Importing\"}\n{\"errorDetail\":{\"message\":\"bad tar\"},"
      "\"error\":\"bad tar\"}\n";
  Status status = check_import_progress(failed, "import image a/b:c");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message, "import image a/b:c: bad tar");

  EXPECT_TRUE(check_import_progress("{\"status\":\"sha256:abc\"}\r\n", "import").ok());
}

TEST(EventParseTest, ReadsDieWithExitCodeAndLabels) {
  const char* line = R"({"status":"die","id":"c1","from":"raictl/busybox","Type":"container",
    "Action":"die","Actor":{"ID":"c1","Attributes":{"exitCode":"3","image":"raictl/busybox",
    "name":"job-1","raictl.managed":"true"}},"scope":"local","time":1714564801,
    "timeNano":1714564801000000007})";

  auto event = parse_event(line);

  ASSERT_TRUE(event.ok()) << event.error().message;
  ASSERT_TRUE(event->has_value());
  const ContainerEvent& die = **event;
  EXPECT_EQ(die.action, EventAction::kDie);
  EXPECT_EQ(die.container_id, "c1");
  EXPECT_EQ(die.name, "job-1");
  EXPECT_EQ(die.image, "raictl/busybox");
  EXPECT_EQ(die.exit_code, 3);
  EXPECT_EQ(die.labels, (Labels{{"raictl.managed", "true"}}));
  EXPECT_EQ(
      std::chrono::duration_cast<std::chrono::nanoseconds>(die.time.time_since_epoch()).count(),
      1714564801000000007LL);
}

TEST(EventParseTest, SkipsOtherEvents) {
  const char* attach = R"({"Type":"container","Action":"attach","Actor":{"ID":"c1"}})";
  const char* network = R"({"Type":"network","Action":"connect","Actor":{"ID":"n1"}})";

  auto first = parse_event(attach);
  auto second = parse_event(network);

  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
  EXPECT_FALSE(parse_event("{truncated").ok());
}

}  // namespace
}  // namespace raictl
