// DockerRuntime against sockets that are not a working dockerd: nothing listening, and a
// server that accepts and never replies. No daemon is needed, so these are unit tests.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "runtime/docker_runtime.h"
#include "tests/support/temp_dir.h"

namespace raictl {
namespace {

// A unix socket that accepts connections into its backlog and never reads or replies.
class SilentServer {
 public:
  explicit SilentServer(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof(address.sun_path) - 1);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
             listen(fd_, 16) == 0;
  }
  ~SilentServer() { close(fd_); }
  bool ok() const { return bound_; }

  // Closes the socket but leaves its file, as a crashed daemon does.
  void close_keeping_file() {
    close(fd_);
    fd_ = -1;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

DockerClientOptions options_for(const std::string& socket_path) {
  DockerClientOptions options;
  options.socket_path = socket_path;
  options.call_timeout = std::chrono::milliseconds(300);
  options.connect_timeout = std::chrono::milliseconds(300);
  return options;
}

TEST(DockerTransportTest, MissingSocketIsUnavailable) {
  testing::TempDir dir("raictl-rt");
  DockerRuntime runtime(options_for(dir.file("docker.sock")));

  auto list = runtime.list_containers({});

  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.code(), ErrorCode::kUnavailable);
  EXPECT_NE(list.error().message.find(dir.file("docker.sock")), std::string::npos)
      << list.error().message;
}

TEST(DockerTransportTest, RefusedSocketIsUnavailable) {
  testing::TempDir dir("raictl-rt");
  SilentServer server(dir.file("docker.sock"));
  ASSERT_TRUE(server.ok());
  server.close_keeping_file();

  auto created = DockerRuntime::create(options_for(dir.file("docker.sock")));

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.code(), ErrorCode::kUnavailable);
  EXPECT_NE(created.error().message.find("is dockerd running?"), std::string::npos)
      << created.error().message;
}

TEST(DockerTransportTest, SilentServerTimesOut) {
  testing::TempDir dir("raictl-rt");
  SilentServer server(dir.file("docker.sock"));
  ASSERT_TRUE(server.ok());
  DockerRuntime runtime(options_for(dir.file("docker.sock")));

  auto info = runtime.inspect_container("web-1");

  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.code(), ErrorCode::kTimeout);
  EXPECT_NE(info.error().message.find("inspect container web-1"), std::string::npos)
      << info.error().message;
}

TEST(DockerTransportTest, EventWatchReportsDownEngineAndCancels) {
  testing::TempDir dir("raictl-rt");
  DockerRuntime runtime(options_for(dir.file("docker.sock")));
  std::atomic<int> failures{0};
  EventHandlers handlers;
  handlers.on_event = [](const ContainerEvent&) {};
  handlers.on_connection = [&](const Status& status) {
    if (!status.ok()) {
      ++failures;
    }
  };

  auto watch = runtime.watch_events(EventFilter{}, handlers);
  ASSERT_TRUE(watch.ok()) << watch.error().message;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (failures == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Retries at 0.5 s and 1.5 s fail again and must not be reported again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1700));
  auto cancel_started = std::chrono::steady_clock::now();
  (*watch)->cancel();
  auto cancel_took = std::chrono::steady_clock::now() - cancel_started;

  EXPECT_EQ(failures, 1) << "a daemon that stays down is reported once";
  EXPECT_LT(cancel_took, std::chrono::seconds(2));
}

TEST(DockerTransportTest, WatchWithoutEventCallbackIsRejected) {
  DockerRuntime runtime(options_for("/nonexistent/docker.sock"));

  auto watch = runtime.watch_events(EventFilter{}, EventHandlers{});

  ASSERT_FALSE(watch.ok());
  EXPECT_EQ(watch.code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace raictl
