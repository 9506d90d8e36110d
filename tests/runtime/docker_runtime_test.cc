// DockerRuntime against a real dockerd: one private daemon in its own network namespace,
// shared by every test here. Each test uses its own container and network names.
#include "runtime/docker_runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/support/docker_daemon.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace raictl {
namespace {

using testing::DockerDaemon;

bool contains(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

// A tar archive with one regular file, written by hand so the import test needs no tool.
std::string tar_with_file(const std::string& name, const std::string& content) {
  std::string header(512, '\0');
  auto put = [&](size_t offset, const std::string& text) {
    text.copy(&header[offset], text.size());
  };
  auto octal = [](uint64_t value, int width) {
    std::ostringstream text;
    text.width(width - 1);
    text.fill('0');
    text << std::oct << value;
    return text.str();
  };

  put(0, name);
  put(100, octal(0644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(content.size(), 12));
  put(136, octal(1'700'000'000, 12));
  put(148, std::string(8, ' '));  // the checksum counts its own field as spaces
  header[156] = '0';
  put(257, std::string("ustar\0", 6) + "00");
  unsigned checksum = 0;
  for (unsigned char byte : header) {
    checksum += byte;
  }
  put(148, octal(checksum, 7) + std::string(1, '\0'));

  std::string data = content + std::string((512 - content.size() % 512) % 512, '\0');
  return header + data + std::string(1024, '\0');
}

class DockerRuntimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { daemon_ = &DockerDaemon::shared(); }

  void SetUp() override {
    DockerClientOptions options;
    options.socket_path = daemon_->socket_path();
    runtime_ = std::make_unique<DockerRuntime>(options);
  }

  NetworkSpec network_spec(const std::string& name, int third_octet) {
    std::string prefix = "10.210." + std::to_string(third_octet) + ".";
    NetworkSpec spec;
    spec.name = name;
    spec.subnet = prefix + "0/24";
    spec.gateway = prefix + "1";
    spec.ip_range = prefix + "128/25";
    spec.bridge_name = "rt-" + name;
    spec.mtu = 1400;
    spec.labels = {{"raictl.test", name}};
    return spec;
  }

  ContainerConfig sleeper(const std::string& name) {
    ContainerConfig spec;
    spec.name = name;
    spec.image = DockerDaemon::kImage;
    spec.command = {"sleep", "600"};
    spec.labels = {{"raictl.test", name}};
    return spec;
  }

  // Polls inspect until the container is no longer running.
  Result<ContainerInfo> wait_for_exit(const std::string& name) {
    Result<ContainerInfo> info = make_error(ErrorCode::kTimeout, name + " did not exit in 10 s");
    testing::eventually(
        [&] {
          info = runtime_->inspect_container(name);
          return !info.ok() || !info->running();
        },
        std::chrono::seconds(10));
    return info;
  }

  static DockerDaemon* daemon_;
  std::unique_ptr<DockerRuntime> runtime_;
};

DockerDaemon* DockerRuntimeTest::daemon_ = nullptr;

TEST_F(DockerRuntimeTest, StartsContainerAtExplicitAddress) {
  auto network = runtime_->ensure_network(network_spec("addr", 1));
  ASSERT_TRUE(network.ok()) << network.error().message;
  ContainerConfig spec = sleeper("addr-web");
  spec.network = NetworkAttachment{"addr", "10.210.1.10"};
  spec.env = {{"MODE", "test"}};
  spec.nano_cpus = 500'000'000;
  spec.memory_bytes = 32 * 1024 * 1024;

  auto id = runtime_->create_container(spec);
  ASSERT_TRUE(id.ok()) << id.error().message;
  ASSERT_TRUE(runtime_->start_container(*id).ok());
  auto info = runtime_->inspect_container("addr-web");

  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->id, *id);
  EXPECT_EQ(info->name, "addr-web");
  EXPECT_EQ(info->state, ContainerState::kRunning);
  EXPECT_TRUE(info->started_at.has_value());
  EXPECT_EQ(info->labels.at("raictl.test"), "addr-web");
  ASSERT_EQ(info->networks.count("addr"), 1u);
  EXPECT_EQ(info->networks.at("addr").ipv4_address, "10.210.1.10");
  EXPECT_EQ(info->networks.at("addr").prefix_length, 24);
  EXPECT_EQ(info->networks.at("addr").gateway, "10.210.1.1");
  EXPECT_TRUE(runtime_->remove_container("addr-web").ok());
}

TEST_F(DockerRuntimeTest, EnsureNetworkCreatesOnceAndRejectsDifferentSpec) {
  NetworkSpec spec = network_spec("ens", 2);

  auto created = runtime_->ensure_network(spec);
  auto again = runtime_->ensure_network(spec);
  NetworkSpec other = spec;
  other.subnet = "10.210.3.0/24";
  other.gateway = "10.210.3.1";
  other.ip_range = "";
  auto conflicting = runtime_->ensure_network(other);

  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->subnet, "10.210.2.0/24");
  EXPECT_EQ(created->gateway, "10.210.2.1");
  EXPECT_EQ(created->ip_range, "10.210.2.128/25");
  EXPECT_EQ(created->bridge_name, "rt-ens");
  EXPECT_EQ(created->mtu, 1400);
  EXPECT_EQ(created->labels.at("raictl.test"), "ens");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->id, created->id);
  ASSERT_FALSE(conflicting.ok());
  EXPECT_EQ(conflicting.code(), ErrorCode::kConflict);
  EXPECT_TRUE(contains(conflicting.error().message, "subnet is 10.210.2.0/24"))
      << conflicting.error().message;

  auto listed = runtime_->list_networks({{"raictl.test", "ens"}});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "ens");
  EXPECT_TRUE(runtime_->remove_network("ens").ok());
  EXPECT_EQ(runtime_->inspect_network("ens").code(), ErrorCode::kNotFound);
}

TEST_F(DockerRuntimeTest, NetworkWithMemberCannotBeRemoved) {
  ASSERT_TRUE(runtime_->ensure_network(network_spec("busy", 4)).ok());
  ContainerConfig spec = sleeper("busy-web");
  spec.network = NetworkAttachment{"busy", ""};
  ASSERT_TRUE(runtime_->create_container(spec).ok());
  ASSERT_TRUE(runtime_->start_container("busy-web").ok());

  Status removed = runtime_->remove_network("busy");

  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.code(), ErrorCode::kConflict);
  EXPECT_TRUE(contains(removed.error().message, "has active endpoints")) << removed.error().message;
  auto network = runtime_->inspect_network("busy");
  ASSERT_TRUE(network.ok());
  ASSERT_EQ(network->members.size(), 1u);
  EXPECT_EQ(network->members[0].name, "busy-web");
  EXPECT_TRUE(runtime_->remove_container("busy-web").ok());
  EXPECT_TRUE(runtime_->remove_network("busy").ok());
}

// Records the decision behind DockerDaemon's default (--iptables=false inside a private
// namespace): containers on one bridge still reach each other.
TEST_F(DockerRuntimeTest, ContainersOnOneBridgeReachEachOther) {
  ASSERT_TRUE(runtime_->ensure_network(network_spec("reach", 5)).ok());
  ContainerConfig server = sleeper("reach-httpd");
  server.command = {"httpd", "-f", "-p", "80", "-h", "/www"};
  server.network = NetworkAttachment{"reach", "10.210.5.20"};
  ContainerConfig client = sleeper("reach-client");
  client.command = {"sh", "-c", "echo 'GET / HTTP/1.0' | nc -w 5 10.210.5.20 80"};
  client.network = NetworkAttachment{"reach", "10.210.5.21"};
  ASSERT_TRUE(runtime_->create_container(server).ok());
  ASSERT_TRUE(runtime_->start_container("reach-httpd").ok());

  ASSERT_TRUE(runtime_->create_container(client).ok());
  ASSERT_TRUE(runtime_->start_container("reach-client").ok());
  auto exited = wait_for_exit("reach-client");
  auto logs = runtime_->container_logs("reach-client", -1);

  ASSERT_TRUE(exited.ok()) << exited.error().message;
  EXPECT_EQ(exited->exit_code, 0);
  ASSERT_TRUE(logs.ok()) << logs.error().message;
  EXPECT_TRUE(contains(logs->stdout_text, "raictl test page")) << logs->stdout_text;
  EXPECT_TRUE(runtime_->remove_container("reach-client").ok());
  EXPECT_TRUE(runtime_->remove_container("reach-httpd").ok());
}

TEST_F(DockerRuntimeTest, NameConflictNamesContainer) {
  ASSERT_TRUE(runtime_->create_container(sleeper("twin")).ok());

  auto second = runtime_->create_container(sleeper("twin"));

  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.code(), ErrorCode::kConflict);
  EXPECT_TRUE(contains(second.error().message, "\"/twin\" is already in use"))
      << second.error().message;
  EXPECT_TRUE(runtime_->remove_container("twin").ok());
}

TEST_F(DockerRuntimeTest, MissingImageNamesImage) {
  ContainerConfig spec = sleeper("no-image");
  spec.image = "raictl/missing:v9";

  auto created = runtime_->create_container(spec);

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(contains(created.error().message, "No such image: raictl/missing:v9"))
      << created.error().message;
}

TEST_F(DockerRuntimeTest, InvalidRequestIsInvalidArgument) {
  ContainerConfig spec = sleeper("tiny-memory");
  spec.memory_bytes = 1024;

  auto created = runtime_->create_container(spec);

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(created.error().message, "Minimum memory limit")) << created.error().message;
}

TEST_F(DockerRuntimeTest, MissingContainerIsNotFound) {
  auto info = runtime_->inspect_container("never-created");

  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(contains(info.error().message, "never-created")) << info.error().message;
}

TEST_F(DockerRuntimeTest, MissingDaemonIsUnavailableNamingSocket) {
  testing::TempDir dir("raictl-nodaemon");
  DockerClientOptions options;
  options.socket_path = dir.file("docker.sock");
  DockerRuntime runtime(options);

  auto created = runtime.create_container(sleeper("orphan"));

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(created.error().message, dir.file("docker.sock")))
      << created.error().message;
  EXPECT_TRUE(contains(created.error().message, "start it with scripts/dockerd.sh start"))
      << created.error().message;
}

TEST_F(DockerRuntimeTest, StopAfterTimeoutThenRemove) {
  // sleep as PID 1 has no SIGTERM handler, so the kernel ignores SIGTERM and only the kill
  // after the timeout ends it.
  ASSERT_TRUE(runtime_->create_container(sleeper("stopper")).ok());
  ASSERT_TRUE(runtime_->start_container("stopper").ok());

  Status stopped = runtime_->stop_container("stopper", std::chrono::seconds(1));
  auto info = runtime_->inspect_container("stopper");
  Status stopped_again = runtime_->stop_container("stopper", std::chrono::seconds(1));
  Status removed = runtime_->remove_container("stopper");

  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->state, ContainerState::kExited);
  EXPECT_EQ(info->exit_code, 137);
  EXPECT_TRUE(info->finished_at.has_value());
  EXPECT_TRUE(stopped_again.ok()) << "stopping a stopped container is not an error";
  EXPECT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(runtime_->inspect_container("stopper").code(), ErrorCode::kNotFound);
  EXPECT_EQ(runtime_->remove_container("stopper").code(), ErrorCode::kNotFound);
}

TEST_F(DockerRuntimeTest, KillSendsSignalAndStoppedIsConflict) {
  ASSERT_TRUE(runtime_->create_container(sleeper("killee")).ok());
  ASSERT_TRUE(runtime_->start_container("killee").ok());

  Status killed = runtime_->kill_container("killee", "SIGKILL");
  auto info = wait_for_exit("killee");
  Status again = runtime_->kill_container("killee", "SIGKILL");

  ASSERT_TRUE(killed.ok()) << killed.error().message;
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->exit_code, 137);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), ErrorCode::kConflict);
  EXPECT_TRUE(runtime_->remove_container("killee").ok());
}

TEST_F(DockerRuntimeTest, ListsOnlyMatchingLabels) {
  ContainerConfig first = sleeper("list-a");
  first.labels = {{"raictl.list", "yes"}, {"raictl.group", "g1"}};
  ContainerConfig second = sleeper("list-b");
  second.labels = {{"raictl.list", "yes"}, {"raictl.group", "g2"}};
  ASSERT_TRUE(runtime_->create_container(first).ok());
  ASSERT_TRUE(runtime_->create_container(second).ok());
  ASSERT_TRUE(runtime_->start_container("list-a").ok());

  auto listed = runtime_->list_containers({{"raictl.list", "yes"}});
  auto group_g2 = runtime_->list_containers({{"raictl.list", "yes"}, {"raictl.group", "g2"}});

  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u) << "stopped containers are listed too";
  ASSERT_TRUE(group_g2.ok());
  ASSERT_EQ(group_g2->size(), 1u);
  EXPECT_EQ((*group_g2)[0].name, "list-b");
  EXPECT_EQ((*group_g2)[0].state, ContainerState::kCreated);
  EXPECT_EQ((*group_g2)[0].labels.at("raictl.group"), "g2");
  EXPECT_TRUE(runtime_->remove_container("list-a").ok());
  EXPECT_TRUE(runtime_->remove_container("list-b").ok());
}

TEST_F(DockerRuntimeTest, LogsSeparateStdoutAndStderr) {
  ContainerConfig spec = sleeper("talker");
  // dockerd copies the two streams independently, so only the pause makes "out-2" the last
  // line of the combined log.
  spec.command = {"sh", "-c", "echo out-1; echo err-1 >&2; sleep 0.5; echo out-2"};
  ASSERT_TRUE(runtime_->create_container(spec).ok());
  ASSERT_TRUE(runtime_->start_container("talker").ok());
  ASSERT_TRUE(wait_for_exit("talker").ok());

  auto all = runtime_->container_logs("talker", -1);
  auto last = runtime_->container_logs("talker", 1);

  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->stdout_text, "out-1\nout-2\n");
  EXPECT_EQ(all->stderr_text, "err-1\n");
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_EQ(last->stdout_text, "out-2\n");
  EXPECT_EQ(last->stderr_text, "") << "the tail counts lines of both streams together";
  EXPECT_TRUE(runtime_->remove_container("talker").ok());
}

TEST_F(DockerRuntimeTest, OomKilledContainerIsReported) {
  ContainerConfig spec = sleeper("hog");
  spec.memory_bytes = 8 * 1024 * 1024;
  // The shell keeps 64 MiB of output in a variable, far above the 8 MiB limit.
  spec.command = {"sh", "-c", "x=$(head -c 67108864 /dev/zero | tr '\\0' x); echo ${#x}"};
  ASSERT_TRUE(runtime_->create_container(spec).ok());
  ASSERT_TRUE(runtime_->start_container("hog").ok());

  auto info = wait_for_exit("hog");

  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->oom_killed);
  EXPECT_EQ(info->exit_code, 137);
  EXPECT_TRUE(runtime_->remove_container("hog").ok());
}

TEST_F(DockerRuntimeTest, ImageExistsAndImportFromTarStream) {
  std::istringstream tar(tar_with_file("hello.txt", "hello from a tar\n"));

  auto before = runtime_->image_exists("raictl/imported:v1");
  Status imported = runtime_->import_image("raictl/imported:v1", tar, {"CMD [\"/hello.txt\"]"});
  auto after = runtime_->image_exists("raictl/imported:v1");
  auto busybox = runtime_->image_exists(DockerDaemon::kImage);

  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_FALSE(*before);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);
  ASSERT_TRUE(busybox.ok());
  EXPECT_TRUE(*busybox);
}

TEST_F(DockerRuntimeTest, ImportOfInvalidTarKeepsDockersMessage) {
  std::istringstream garbage(std::string(2048, 'g'));

  Status imported = runtime_->import_image("raictl/garbage:v1", garbage, {});

  ASSERT_FALSE(imported.ok());
  EXPECT_TRUE(contains(imported.error().message, "import image raictl/garbage:v1: "))
      << imported.error().message;
}

TEST_F(DockerRuntimeTest, EngineInfoReportsCapacity) {
  auto info = runtime_->engine_info();

  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_GT(info->cpus, 0);
  EXPECT_GT(info->memory_bytes, 0);
  EXPECT_EQ(info->api_version, "1.41");
  EXPECT_FALSE(info->server_version.empty());
}

TEST_F(DockerRuntimeTest, WorksAtOldestSupportedApiVersion) {
  DockerClientOptions options;
  options.socket_path = daemon_->socket_path();
  options.max_api_version = std::string(DockerClient::kMinApiVersion);
  DockerRuntime old_runtime(options);
  ASSERT_TRUE(old_runtime.ensure_network(network_spec("old", 6)).ok());
  ContainerConfig spec = sleeper("old-api");
  spec.network = NetworkAttachment{"old", "10.210.6.30"};

  ASSERT_TRUE(old_runtime.create_container(spec).ok());
  ASSERT_TRUE(old_runtime.start_container("old-api").ok());
  auto info = old_runtime.inspect_container("old-api");
  auto engine = old_runtime.engine_info();

  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->networks.at("old").ipv4_address, "10.210.6.30");
  ASSERT_TRUE(engine.ok());
  EXPECT_EQ(engine->api_version, std::string(DockerClient::kMinApiVersion));
  EXPECT_TRUE(old_runtime.remove_container("old-api").ok());
}

// Events collected from the watch thread, with a wait for a condition on them.
class EventLog {
 public:
  EventHandlers handlers() {
    EventHandlers handlers;
    handlers.on_event = [this](const ContainerEvent& event) {
      {
        std::lock_guard lock(mutex_);
        events_.push_back(event);
      }
      changed_.notify_all();
    };
    handlers.on_connection = [this](const Status& status) {
      std::lock_guard lock(mutex_);
      connection_errors_ += status.ok() ? 0 : 1;
    };
    return handlers;
  }

  bool wait_for(EventAction action, const std::string& name) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10),
                             [&] { return find_locked(action, name) != nullptr; });
  }

  std::optional<ContainerEvent> find(EventAction action, const std::string& name) {
    std::lock_guard lock(mutex_);
    const ContainerEvent* event = find_locked(action, name);
    return event == nullptr ? std::nullopt : std::optional<ContainerEvent>(*event);
  }

  std::vector<std::string> names() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> result;
    for (const auto& event : events_) {
      result.push_back(event.name);
    }
    return result;
  }

  int connection_errors() {
    std::lock_guard lock(mutex_);
    return connection_errors_;
  }

 private:
  const ContainerEvent* find_locked(EventAction action, const std::string& name) {
    for (const auto& event : events_) {
      if (event.action == action && event.name == name) {
        return &event;
      }
    }
    return nullptr;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ContainerEvent> events_;
  int connection_errors_ = 0;
};

TEST_F(DockerRuntimeTest, EventsReportStartAndDieOfExitingContainer) {
  EventLog log;
  auto watch = runtime_->watch_events(EventFilter{{{"raictl.events", "yes"}}}, log.handlers());
  ASSERT_TRUE(watch.ok()) << watch.error().message;

  ContainerConfig unwatched = sleeper("events-other");
  unwatched.command = {"true"};
  ContainerConfig job = sleeper("events-job");
  job.command = {"sh", "-c", "exit 3"};
  job.labels = {{"raictl.events", "yes"}, {"team", "blue"}};
  ASSERT_TRUE(runtime_->create_container(unwatched).ok());
  ASSERT_TRUE(runtime_->start_container("events-other").ok());
  ASSERT_TRUE(runtime_->create_container(job).ok());
  ASSERT_TRUE(runtime_->start_container("events-job").ok());

  ASSERT_TRUE(log.wait_for(EventAction::kDie, "events-job"));
  ASSERT_TRUE(runtime_->remove_container("events-job").ok());
  ASSERT_TRUE(log.wait_for(EventAction::kDestroy, "events-job"));

  auto start = log.find(EventAction::kStart, "events-job");
  auto die = log.find(EventAction::kDie, "events-job");
  ASSERT_TRUE(start.has_value());
  ASSERT_TRUE(die.has_value());
  EXPECT_EQ(die->exit_code, 3);
  EXPECT_EQ(die->labels.at("team"), "blue");
  EXPECT_EQ(die->image, DockerDaemon::kImage);
  EXPECT_FALSE(die->container_id.empty());
  for (const std::string& name : log.names()) {
    EXPECT_EQ(name, "events-job") << "an event of a container without the label arrived";
  }
  EXPECT_EQ(log.connection_errors(), 0);

  auto cancel_started = std::chrono::steady_clock::now();
  (*watch)->cancel();
  EXPECT_LT(std::chrono::steady_clock::now() - cancel_started, std::chrono::seconds(2));
  EXPECT_TRUE(runtime_->remove_container("events-other").ok());
}

TEST_F(DockerRuntimeTest, ManyThreadsShareOneRuntime) {
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::string name = "parallel-" + std::to_string(i);
      bool ok = runtime_->create_container(sleeper(name)).ok() &&
                runtime_->start_container(name).ok() && runtime_->inspect_container(name).ok() &&
                runtime_->remove_container(name).ok();
      failures += ok ? 0 : 1;
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace raictl
