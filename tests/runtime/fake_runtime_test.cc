#include "runtime/fake_runtime.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace raictl {
namespace {

using Operation = FakeRuntime::Operation;

ContainerConfig spec_named(const std::string& name, const std::string& address = "") {
  ContainerConfig spec;
  spec.name = name;
  spec.image = "raictl/busybox:latest";
  spec.labels = {{"raictl.managed", "true"}};
  spec.network = NetworkAttachment{"blue", address};
  return spec;
}

NetworkSpec blue_network() {
  NetworkSpec spec;
  spec.name = "blue";
  spec.subnet = "10.88.0.0/24";
  spec.gateway = "10.88.0.1";
  return spec;
}

// Collects events and connection reports, remembering which thread delivered them.
struct Recorder {
  std::mutex mutex;
  std::vector<ContainerEvent> events;
  std::vector<bool> connections;  // true for Ok
  std::thread::id delivery_thread;

  EventHandlers handlers() {
    EventHandlers handlers;
    handlers.on_event = [this](const ContainerEvent& event) {
      std::lock_guard lock(mutex);
      events.push_back(event);
      delivery_thread = std::this_thread::get_id();
    };
    handlers.on_connection = [this](const Status& status) {
      std::lock_guard lock(mutex);
      connections.push_back(status.ok());
    };
    return handlers;
  }

  std::vector<std::string> actions() {
    std::lock_guard lock(mutex);
    std::vector<std::string> names;
    for (const auto& event : events) {
      names.push_back(std::string(event_action_name(event.action)) + " " + event.name);
    }
    return names;
  }
};

class FakeRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(runtime_.ensure_network(blue_network()).ok()); }

  FakeRuntime runtime_;
};

TEST_F(FakeRuntimeTest, FailOnceFailsOnlyNextCall) {
  runtime_.fail_once(Operation::kCreateContainer,
                     make_error(ErrorCode::kUnavailable, "dockerd is restarting"));

  auto first = runtime_.create_container(spec_named("web-1"));
  auto second = runtime_.create_container(spec_named("web-1"));

  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(first.error().message, "dockerd is restarting");
  EXPECT_TRUE(second.ok()) << "the failed call must not have created the container";
  EXPECT_EQ(runtime_.call_count(Operation::kCreateContainer), 2);
}

TEST_F(FakeRuntimeTest, QueuedFailuresPrecedeFailAlways) {
  runtime_.fail_always(Operation::kEngineInfo, make_error(ErrorCode::kTimeout, "always"));
  runtime_.fail_once(Operation::kEngineInfo, make_error(ErrorCode::kInternal, "first"));
  runtime_.fail_once(Operation::kEngineInfo, make_error(ErrorCode::kUnavailable, "second"));

  std::vector<std::string> messages;
  for (int i = 0; i < 4; ++i) {
    auto info = runtime_.engine_info();
    messages.push_back(info.ok() ? "ok" : info.error().message);
  }

  EXPECT_EQ(messages, (std::vector<std::string>{"first", "second", "always", "always"}));
}

TEST_F(FakeRuntimeTest, ClearFaultsRestoresSuccess) {
  runtime_.fail_always(Operation::kListContainers, make_error(ErrorCode::kTimeout, "slow"));
  ASSERT_FALSE(runtime_.list_containers({}).ok());

  runtime_.clear_faults();

  EXPECT_TRUE(runtime_.list_containers({}).ok());
}

TEST_F(FakeRuntimeTest, DelaySlowsOnlyItsOperation) {
  runtime_.delay(Operation::kImageExists, std::chrono::milliseconds(200));

  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(runtime_.image_exists("raictl/busybox").ok());
  auto delayed = std::chrono::steady_clock::now() - started;

  EXPECT_GE(delayed, std::chrono::milliseconds(200));
  EXPECT_EQ(runtime_.call_count(Operation::kEngineInfo), 0);
}

TEST_F(FakeRuntimeTest, MirrorsDockerErrors) {
  ASSERT_TRUE(runtime_.create_container(spec_named("web-1")).ok());

  ContainerConfig missing_image = spec_named("web-2");
  missing_image.image = "raictl/nope";
  auto not_found = runtime_.create_container(missing_image);
  auto conflict = runtime_.create_container(spec_named("web-1"));
  auto short_name = runtime_.create_container(spec_named("w"));

  ASSERT_FALSE(not_found.ok());
  EXPECT_EQ(not_found.code(), ErrorCode::kNotFound);
  EXPECT_NE(not_found.error().message.find("No such image: raictl/nope:latest"), std::string::npos);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.code(), ErrorCode::kConflict);
  EXPECT_NE(conflict.error().message.find("\"/web-1\" is already in use"), std::string::npos);
  ASSERT_FALSE(short_name.ok());
  EXPECT_EQ(short_name.code(), ErrorCode::kInvalidArgument);
}

TEST_F(FakeRuntimeTest, StartAssignsRequestedAddressAndRejectsTakenOne) {
  ASSERT_TRUE(runtime_.create_container(spec_named("web-1", "10.88.0.10")).ok());
  ASSERT_TRUE(runtime_.create_container(spec_named("web-2", "10.88.0.10")).ok());
  ASSERT_TRUE(runtime_.create_container(spec_named("web-3", "10.99.0.10")).ok());

  ASSERT_TRUE(runtime_.start_container("web-1").ok());
  Status taken_address = runtime_.start_container("web-2");
  Status outside = runtime_.start_container("web-3");

  auto info = runtime_.inspect_container("web-1");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->networks.at("blue").ipv4_address, "10.88.0.10");
  EXPECT_EQ(info->networks.at("blue").prefix_length, 24);
  ASSERT_FALSE(taken_address.ok());
  EXPECT_EQ(taken_address.code(), ErrorCode::kConflict);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.code(), ErrorCode::kInternal);
}

TEST_F(FakeRuntimeTest, StopReleasesAddressAndRemoveNeedsNoStop) {
  ASSERT_TRUE(runtime_.create_container(spec_named("web-1", "10.88.0.10")).ok());
  ASSERT_TRUE(runtime_.start_container("web-1").ok());

  ASSERT_TRUE(runtime_.stop_container("web-1", std::chrono::seconds(1)).ok());
  auto stopped = runtime_.inspect_container("web-1");
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->state, ContainerState::kExited);
  EXPECT_EQ(stopped->networks.at("blue").ipv4_address, "");
  EXPECT_TRUE(runtime_.inspect_network("blue")->members.empty());

  ASSERT_TRUE(runtime_.start_container("web-1").ok());
  ASSERT_TRUE(runtime_.remove_container("web-1").ok());
  EXPECT_EQ(runtime_.inspect_container("web-1").code(), ErrorCode::kNotFound);
  EXPECT_TRUE(runtime_.remove_network("blue").ok());
}

TEST_F(FakeRuntimeTest, RemoveNetworkWithMemberIsConflict) {
  ASSERT_TRUE(runtime_.create_container(spec_named("web-1")).ok());
  ASSERT_TRUE(runtime_.start_container("web-1").ok());

  Status removed = runtime_.remove_network("blue");

  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.code(), ErrorCode::kConflict);
}

TEST_F(FakeRuntimeTest, EnsureNetworkRejectsDifferentSubnet) {
  NetworkSpec other = blue_network();
  other.subnet = "10.89.0.0/24";
  other.gateway = "";

  auto network = runtime_.ensure_network(other);

  ASSERT_FALSE(network.ok());
  EXPECT_EQ(network.code(), ErrorCode::kConflict);
  EXPECT_NE(network.error().message.find("subnet is 10.88.0.0/24, expected 10.89.0.0/24"),
            std::string::npos)
      << network.error().message;
}

TEST_F(FakeRuntimeTest, KillSetsExitCodeOnlyOnce) {
  ASSERT_TRUE(runtime_.create_container(spec_named("web-1")).ok());
  ASSERT_TRUE(runtime_.start_container("web-1").ok());

  ASSERT_TRUE(runtime_.kill_container("web-1", "SIGKILL").ok());
  Status again = runtime_.kill_container("web-1", "SIGKILL");

  EXPECT_EQ(runtime_.inspect_container("web-1")->exit_code, 137);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), ErrorCode::kConflict);
  EXPECT_EQ(runtime_.kill_container("web-1", "SIGBOGUS").code(), ErrorCode::kInvalidArgument);
}

TEST_F(FakeRuntimeTest, ListsByLabel) {
  ContainerConfig other = spec_named("other");
  other.labels = {{"team", "b"}};
  ASSERT_TRUE(runtime_.create_container(spec_named("web-1")).ok());
  ASSERT_TRUE(runtime_.create_container(other).ok());

  auto managed = runtime_.list_containers({{"raictl.managed", "true"}});

  ASSERT_TRUE(managed.ok());
  ASSERT_EQ(managed->size(), 1u);
  EXPECT_EQ((*managed)[0].name, "web-1");
  EXPECT_EQ(runtime_.list_containers({})->size(), 2u);
}

TEST_F(FakeRuntimeTest, LogsTailCountsBothStreams) {
  ASSERT_TRUE(runtime_.create_container(spec_named("web-1")).ok());
  ASSERT_TRUE(runtime_.write_logs("web-1", "one\ntwo\n", "").ok());
  ASSERT_TRUE(runtime_.write_logs("web-1", "", "oops\n").ok());

  auto all = runtime_.container_logs("web-1", -1);
  auto last_two = runtime_.container_logs("web-1", 2);

  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->stdout_text, "one\ntwo\n");
  EXPECT_EQ(all->stderr_text, "oops\n");
  ASSERT_TRUE(last_two.ok());
  EXPECT_EQ(last_two->stdout_text, "two\n");
  EXPECT_EQ(last_two->stderr_text, "oops\n");
}

TEST_F(FakeRuntimeTest, ImportConsumesStreamAndAddsImage) {
  std::istringstream tar(std::string(10'000, 't'));

  ASSERT_TRUE(runtime_.import_image("raictl/new:v1", tar, {}).ok());

  EXPECT_TRUE(tar.eof());
  EXPECT_TRUE(*runtime_.image_exists("raictl/new:v1"));
  EXPECT_FALSE(*runtime_.image_exists("raictl/new:v2"));
}

TEST_F(FakeRuntimeTest, DeliversEventsOnWatchThread) {
  Recorder recorder;
  auto watch =
      runtime_.watch_events(EventFilter{{{"raictl.managed", "true"}}}, recorder.handlers());
  ASSERT_TRUE(watch.ok());

  ContainerConfig unmanaged = spec_named("other");
  unmanaged.labels.clear();
  ASSERT_TRUE(runtime_.create_container(unmanaged).ok());
  ASSERT_TRUE(runtime_.start_container("other").ok());
  ASSERT_TRUE(runtime_.create_container(spec_named("job-1")).ok());
  ASSERT_TRUE(runtime_.start_container("job-1").ok());
  ASSERT_TRUE(runtime_.exit_container("job-1", 3, /*oom_killed=*/true).ok());
  ASSERT_TRUE(runtime_.remove_container("job-1").ok());
  runtime_.flush_events();

  EXPECT_EQ(recorder.actions(),
            (std::vector<std::string>{"start job-1", "oom job-1", "die job-1", "destroy job-1"}));
  std::lock_guard lock(recorder.mutex);
  EXPECT_EQ(recorder.events[2].exit_code, 3);
  EXPECT_NE(recorder.delivery_thread, std::this_thread::get_id());
  EXPECT_EQ(recorder.connections, (std::vector<bool>{true}));
}

TEST_F(FakeRuntimeTest, InterruptedStreamReportsErrorThenReconnect) {
  Recorder recorder;
  auto watch = runtime_.watch_events(EventFilter{}, recorder.handlers());
  ASSERT_TRUE(watch.ok());

  runtime_.interrupt_event_streams(make_error(ErrorCode::kUnavailable, "dockerd restarted"));
  runtime_.flush_events();

  std::lock_guard lock(recorder.mutex);
  EXPECT_EQ(recorder.connections, (std::vector<bool>{true, false, true}));
}

TEST_F(FakeRuntimeTest, CancelledWatchGetsNoMoreEvents) {
  Recorder recorder;
  auto watch = runtime_.watch_events(EventFilter{}, recorder.handlers());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(runtime_.create_container(spec_named("web-1")).ok());
  ASSERT_TRUE(runtime_.start_container("web-1").ok());
  runtime_.flush_events();

  (*watch)->cancel();
  ASSERT_TRUE(runtime_.stop_container("web-1", std::chrono::seconds(1)).ok());
  runtime_.flush_events();

  EXPECT_EQ(recorder.actions(), (std::vector<std::string>{"start web-1"}));
}

TEST_F(FakeRuntimeTest, WatchFailureIsInjectable) {
  Recorder recorder;
  runtime_.fail_once(Operation::kWatchEvents, make_error(ErrorCode::kUnavailable, "down"));

  auto watch = runtime_.watch_events(EventFilter{}, recorder.handlers());

  ASSERT_FALSE(watch.ok());
  EXPECT_EQ(watch.code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace raictl
