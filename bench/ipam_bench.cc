// Measures IPAM allocation against single-command round trips to the same Redis, and
// allocation latency in an empty and a 90%-full /10 pool. Starts its own redis-server on a
// private unix socket (tests/support/RedisServer) and prints the figures without asserting
// anything. Build in Release mode for meaningful numbers.

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/redis_client.h"
#include "ipam/ipam.h"
#include "ipam/keys.h"
#include "tests/support/redis_server.h"

namespace raictl::ipam {
namespace {

using Clock = std::chrono::steady_clock;

// Operations per measurement, split evenly over the clients. It divides by 1, 8 and 32 and
// stays below the 65,533 addresses of a /16, so no run exhausts its pool.
constexpr int kOperations = 24000;
constexpr int kLatencySamples = 20000;
constexpr double kFullFraction = 0.9;
// Every row is measured this many times, interleaved with the rows it is compared with, and
// the median run is printed, so that a burst of load from other processes skews one run
// instead of one side of a ratio.
constexpr int kRounds = 3;

// One client's operation number n; returns false if it failed.
using Operation = std::function<bool(int n)>;
// Builds the operation of client i on its own connection.
using OperationFactory = std::function<Operation(int client, RedisClient& connection)>;

struct Measurement {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  double redis_us = 0;  // mean time inside Redis per command, from INFO commandstats
  int failures = 0;
};

// Returns the run with the median value of `key`.
Measurement median(std::vector<Measurement> runs, double Measurement::*key) {
  std::sort(runs.begin(), runs.end(),
            [key](const Measurement& a, const Measurement& b) { return a.*key < b.*key; });
  return runs[runs.size() / 2];
}

double percentile(std::vector<double>& samples, double fraction) {
  if (samples.empty()) {
    return 0;
  }
  size_t index = std::min(samples.size() - 1, static_cast<size_t>(samples.size() * fraction));
  std::nth_element(samples.begin(), samples.begin() + static_cast<long>(index), samples.end());
  return samples[index];
}

std::unique_ptr<RedisClient> connect_or_exit(const testing::RedisServer& server) {
  auto client = RedisClient::connect(server.address());
  if (!client) {
    fmt::print(stderr, "ipam_bench: {}\n", client.error().message);
    std::exit(1);
  }
  return std::move(client).value();
}

void reset_command_stats(RedisClient& admin) {
  if (auto reset = admin.command({"CONFIG", "RESETSTAT"}); !reset) {
    fmt::print(stderr, "ipam_bench: {}\n", reset.error().message);
    std::exit(1);
  }
}

// Returns usec_per_call of one command ("evalsha", "ping") from INFO commandstats.
double redis_time_per_call(RedisClient& admin, const std::string& command) {
  auto info = admin.command({"INFO", "commandstats"});
  if (!info) {
    fmt::print(stderr, "ipam_bench: {}\n", info.error().message);
    std::exit(1);
  }
  std::string prefix = "cmdstat_" + command + ":";
  size_t line = info->text.find(prefix);
  size_t field = info->text.find("usec_per_call=", line);
  if (line == std::string::npos || field == std::string::npos) {
    return 0;
  }
  return std::stod(info->text.substr(field + std::strlen("usec_per_call=")));
}

// Runs `operations` operations spread over `clients` threads that start together, each
// thread on its own connection, and measures throughput and per-operation latency. The
// time Redis spends per call is read for `command` through the `admin` connection.
Measurement measure(const testing::RedisServer& server, RedisClient& admin,
                    const std::string& command, int clients, int operations,
                    const OperationFactory& factory) {
  std::vector<std::unique_ptr<RedisClient>> connections;
  std::vector<Operation> work;
  connections.reserve(clients);
  work.reserve(clients);
  for (int i = 0; i < clients; ++i) {
    connections.push_back(connect_or_exit(server));
    work.push_back(factory(i, *connections.back()));
  }

  int per_client = operations / clients;
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<int> ready = 0;
  std::atomic<int> failures = 0;
  std::atomic<bool> go = false;
  std::vector<std::thread> threads;
  threads.reserve(clients);
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      latencies[i].reserve(per_client);
      ++ready;
      while (!go.load()) {
        std::this_thread::yield();
      }
      for (int n = 0; n < per_client; ++n) {
        auto start = Clock::now();
        if (!work[i](n)) {
          ++failures;
        }
        latencies[i].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      }
    });
  }

  while (ready.load() < clients) {
    std::this_thread::yield();
  }
  reset_command_stats(admin);
  auto start = Clock::now();
  go = true;
  for (auto& thread : threads) {
    thread.join();
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all;
  for (auto& samples : latencies) {
    all.insert(all.end(), samples.begin(), samples.end());
  }
  Measurement result;
  result.per_second = static_cast<double>(all.size()) / seconds;
  result.p50_us = percentile(all, 0.50);
  result.p99_us = percentile(all, 0.99);
  result.redis_us = redis_time_per_call(admin, command);
  result.failures = failures.load();
  return result;
}

// Deletes the pool if it exists and creates it empty.
void recreate_pool(RedisClient& client, const std::string& name, const char* cidr) {
  Ipam ipam(client);
  (void)ipam.delete_pool(name, true);  // absent on the first run, which is fine
  auto layout = ipam.create_pool(PoolSpec{name, *Cidr::parse(cidr), {}, {}, {}});
  if (!layout) {
    fmt::print(stderr, "ipam_bench: {}\n", layout.error().message);
    std::exit(1);
  }
}

OperationFactory allocations_from(const std::string& pool, const std::string& prefix) {
  return [pool, prefix](int client, RedisClient& connection) -> Operation {
    auto ipam = std::make_shared<Ipam>(connection);
    return [ipam, pool, prefix, client](int n) {
      std::string name = fmt::format("{}-{}-{}", prefix, client, n);
      return ipam->allocate(pool, Owner{"container", name, "uid-" + name}).ok();
    };
  };
}

OperationFactory trivial_script() {
  return [](int, RedisClient& connection) -> Operation {
    auto script = std::make_shared<LuaScript>("return 1");
    return [script, &connection](int) { return script->run(connection, {}, {}).ok(); };
  };
}

OperationFactory ping() {
  return [](int, RedisClient& connection) -> Operation {
    return [&connection](int) { return connection.command({"PING"}).ok(); };
  };
}

void print_row(const char* what, int clients, const Measurement& m) {
  fmt::print("{:<22} {:>7} {:>12.0f} {:>9.1f} {:>9.1f} {:>9.1f}{}\n", what, clients, m.per_second,
             m.p50_us, m.p99_us, m.redis_us,
             m.failures > 0 ? fmt::format("  ({} failed)", m.failures) : "");
}

void compare_throughput(const testing::RedisServer& server, RedisClient& admin) {
  fmt::print(
      "Allocation on a /16 pool vs one-command round trips: {} operations per run, "
      "median of {} runs by ops/s\n",
      kOperations, kRounds);
  fmt::print("{:<22} {:>7} {:>12} {:>9} {:>9} {:>9}\n", "operation", "clients", "ops/s", "p50 us",
             "p99 us", "redis us");

  for (int clients : {1, 8, 32}) {
    std::vector<Measurement> allocate_runs;
    std::vector<Measurement> evalsha_runs;
    std::vector<Measurement> ping_runs;
    for (int round = 0; round < kRounds; ++round) {
      recreate_pool(admin, "bench16", "10.16.0.0/16");
      allocate_runs.push_back(measure(server, admin, "evalsha", clients, kOperations,
                                      allocations_from("bench16", "c")));
      evalsha_runs.push_back(
          measure(server, admin, "evalsha", clients, kOperations, trivial_script()));
      ping_runs.push_back(measure(server, admin, "ping", clients, kOperations, ping()));
    }
    auto allocate = median(allocate_runs, &Measurement::per_second);
    auto evalsha = median(evalsha_runs, &Measurement::per_second);
    auto round_trip = median(ping_runs, &Measurement::per_second);

    print_row("allocate", clients, allocate);
    print_row("EVALSHA 'return 1'", clients, evalsha);
    print_row("PING", clients, round_trip);
    fmt::print("{:<22} {:>7} allocate/EVALSHA = {:.2f}, allocate/PING = {:.2f}\n\n", "ratio",
               clients, allocate.per_second / evalsha.per_second,
               allocate.per_second / round_trip.per_second);
  }
}

// Marks kFullFraction of the pool's allocation range in use by writing the bitmap and the
// used counter directly, without allocation records. The search for a free address reads
// only the bitmap, and millions of real records would take gigabytes of memory. Bits are set at
// random, so the free addresses are scattered as they would be after long churn.
uint64_t fill_bitmap(RedisClient& client, const std::string& pool) {
  auto bitmap = client.command({"GET", keys::bitmap(pool)});
  auto fields = client.command({"HMGET", keys::pool(pool), "first", "last"});
  if (!bitmap || !fields) {
    fmt::print(stderr, "ipam_bench: cannot read pool {}\n", pool);
    std::exit(1);
  }
  std::string bits = bitmap->text;
  uint64_t first = std::stoull(fields->elements[0].text);
  uint64_t last = std::stoull(fields->elements[1].text);

  std::mt19937_64 random(42);
  std::bernoulli_distribution in_use(kFullFraction);
  uint64_t marked = 0;
  for (uint64_t offset = first; offset <= last; ++offset) {
    auto& byte = reinterpret_cast<unsigned char&>(bits[offset / 8]);
    unsigned char mask = static_cast<unsigned char>(0x80u >> (offset % 8));
    if ((byte & mask) == 0 && in_use(random)) {
      byte |= mask;
      ++marked;
    }
  }

  auto written = client.pipeline({{"SET", keys::bitmap(pool), bits},
                                  {"HSET", keys::pool(pool), "used", std::to_string(marked)}});
  if (!written) {
    fmt::print(stderr, "ipam_bench: {}\n", written.error().message);
    std::exit(1);
  }
  return marked;
}

void compare_fill_levels(const testing::RedisServer& server, RedisClient& admin) {
  fmt::print(
      "Allocation latency on a /10 pool, 1 client: {} allocations per run, median of {} "
      "runs by p99\n",
      kLatencySamples, kRounds);
  fmt::print("{:<22} {:>7} {:>12} {:>9} {:>9} {:>9}\n", "pool", "clients", "ops/s", "p50 us",
             "p99 us", "redis us");

  std::vector<Measurement> empty_runs;
  std::vector<Measurement> full_runs;
  uint64_t marked = 0;
  for (int round = 0; round < kRounds; ++round) {
    recreate_pool(admin, "bench10", "10.64.0.0/10");
    empty_runs.push_back(measure(server, admin, "evalsha", 1, kLatencySamples,
                                 allocations_from("bench10", "empty")));

    recreate_pool(admin, "bench10", "10.64.0.0/10");
    marked = fill_bitmap(admin, "bench10");
    full_runs.push_back(
        measure(server, admin, "evalsha", 1, kLatencySamples, allocations_from("bench10", "full")));
  }
  auto empty = median(empty_runs, &Measurement::p99_us);
  auto full = median(full_runs, &Measurement::p99_us);
  print_row("empty /10", 1, empty);
  print_row("90% full /10", 1, full);
  fmt::print("{:<22} {:>7} {} addresses marked in use; p99 full/empty = {:.2f}\n\n", "ratio", 1,
             marked, full.p99_us / empty.p99_us);
}

}  // namespace
}  // namespace raictl::ipam

int main() {
  raictl::testing::RedisServer server;
  auto admin = raictl::ipam::connect_or_exit(server);

  fmt::print("ipam_bench: redis-server pid {}, {} CPUs online\n\n", server.pid(),
             sysconf(_SC_NPROCESSORS_ONLN));
  raictl::ipam::compare_throughput(server, *admin);
  raictl::ipam::compare_fill_levels(server, *admin);
  return 0;
}
