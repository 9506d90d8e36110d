#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ipam/ipam.h"
#include "tests/ipam/ipam_test_support.h"

namespace raictl::ipam {
namespace {

using IpamConcurrencyTest = IpamFixture;

// The outcome of one client thread.
struct ClientResult {
  std::vector<Ipv4> addresses;
  std::vector<Error> errors;
};

// Runs `clients` threads, each with its own connection and Ipam, that start together and
// allocate `per_client` addresses each from `pool`.
std::vector<ClientResult> allocate_concurrently(const raictl::testing::RedisServer& server,
                                                const std::string& pool, int clients,
                                                int per_client) {
  std::vector<ClientResult> results(clients);
  std::vector<std::unique_ptr<RedisClient>> connections;
  connections.reserve(clients);
  for (int i = 0; i < clients; ++i) {
    connections.push_back(server.connect());
  }

  std::atomic<int> ready = 0;
  std::vector<std::thread> threads;
  threads.reserve(clients);
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      Ipam ipam(*connections[i]);
      ++ready;
      while (ready.load() < clients) {
        std::this_thread::yield();
      }
      for (int n = 0; n < per_client; ++n) {
        std::string name = "c" + std::to_string(i) + "-" + std::to_string(n);
        auto address = ipam.allocate(pool, Owner{"container", name, "uid-" + name});
        if (address) {
          results[i].addresses.push_back(*address);
        } else {
          results[i].errors.push_back(address.error());
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  return results;
}

TEST_F(IpamConcurrencyTest, SixteenClientsShareSlashTwentyEight) {
  create("default", "10.0.0.0/28", ip("10.0.0.1"));

  auto results = allocate_concurrently(server_, "default", 16, 1);

  std::set<Ipv4> addresses;
  size_t successes = 0;
  std::vector<Error> errors;
  for (const auto& result : results) {
    successes += result.addresses.size();
    addresses.insert(result.addresses.begin(), result.addresses.end());
    errors.insert(errors.end(), result.errors.begin(), result.errors.end());
  }
  EXPECT_EQ(successes, 13u);
  EXPECT_EQ(addresses.size(), 13u);
  ASSERT_EQ(errors.size(), 3u);
  for (const auto& error : errors) {
    EXPECT_EQ(error.code, ErrorCode::kExhausted) << error.message;
    EXPECT_EQ(error.message,
              "pool \"default\" (10.0.0.0/28) is exhausted: 13 of 13 addresses in use");
  }
  for (const char* never : {"10.0.0.0", "10.0.0.1", "10.0.0.15"}) {
    EXPECT_EQ(addresses.count(ip(never)), 0u) << never;
  }
  expect_consistent();
}

TEST_F(IpamConcurrencyTest, EightClientsFillSlashSixteenWithoutDuplicates) {
  create("default", "10.20.0.0/16");

  auto results = allocate_concurrently(server_, "default", 8, 500);

  std::set<Ipv4> addresses;
  size_t successes = 0;
  for (const auto& result : results) {
    for (const auto& error : result.errors) {
      ADD_FAILURE() << error.message;
    }
    successes += result.addresses.size();
    addresses.insert(result.addresses.begin(), result.addresses.end());
  }
  EXPECT_EQ(successes, 4000u);
  EXPECT_EQ(addresses.size(), successes);

  auto usage = ipam_->usage("default");
  ASSERT_TRUE(usage) << usage.error().message;
  EXPECT_EQ(usage->used, successes);
  expect_consistent();
}

// The child allocates and releases in a loop until it is killed; it never returns into
// the test framework.
[[noreturn]] void allocate_until_killed(const RedisAddress& address) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  auto client = RedisClient::connect(address);
  if (!client) {
    _exit(2);
  }
  Ipam ipam(**client);
  for (long n = 0;; ++n) {
    std::string name = "job-" + std::to_string(n);
    if (!ipam.allocate("default", Owner{"container", name, "uid-" + name})) {
      _exit(3);
    }
    if (n % 3 == 0 && !ipam.release("default", Owner{"container", name, "uid-" + name})) {
      _exit(4);
    }
  }
}

TEST_F(IpamConcurrencyTest, ClientKilledMidStreamLeavesConsistentState) {
  create("default", "10.30.0.0/16");

  pid_t child = fork();
  ASSERT_GE(child, 0) << "fork failed";
  if (child == 0) {
    allocate_until_killed(server_.address());
  }

  // Kill the child once it is well into its stream, with calls still in flight.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  uint64_t used = 0;
  while (used < 2000 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto usage = ipam_->usage("default");
    ASSERT_TRUE(usage) << usage.error().message;
    used = usage->used;
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status))
      << "the child exited by itself with status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_GE(used, 2000u);

  expect_consistent();
  auto contents = ipam_->allocations("default");
  ASSERT_TRUE(contents) << contents.error().message;
  EXPECT_EQ(contents->allocations.size(), ipam_->usage("default")->used);
}

}  // namespace
}  // namespace raictl::ipam
