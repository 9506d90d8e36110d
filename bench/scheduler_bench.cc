// Measures placements per second of raictl::controller::Scheduler for a seeded mix of
// containers onto simulated hosts, with spread and with binpack scoring. No Docker, no
// Redis: the candidate list is built once, and each placement commits the request to the
// chosen host, as the controller's view of the hosts would after an assignment.
//
// Two baselines run in the same process on the same requests and commit the same hosts. One
// only applies the filters to every host (no scoring, no choice, no reason), and the other
// copies the candidate list once per placement. The figures go to stdout; nothing is asserted
// about time. The program exits non-zero only when a placement breaks a capacity or the
// scheduler chooses differently from one pass to the next.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "controller/scheduler.h"

namespace raictl::controller {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kMi = int64_t{1} << 20;
constexpr int64_t kGi = int64_t{1} << 30;

constexpr size_t kTargetHosts = 1000;
constexpr double kTargetPlacementsPerSecond = 5000;

constexpr int kNoHost = -1;

// The most frequent Pending reasons printed per pass; the rest are only counted.
constexpr size_t kReasonsShown = 6;

struct Options {
  std::vector<int> hosts{100, 1000};
  int containers = 1000;
  int repeat = 5;
  uint64_t seed = 1;
};

// The kinds of request in the mix, with their share in percent. The last three can never
// be placed and end Pending with a reason that counts the rejected hosts.
enum class RequestKind {
  kBestEffort,    // no requests, no constraints
  kResources,     // cpu and memory requests
  kZone,          // requests and a nodeSelector on one zone
  kSsd,           // requests and a nodeSelector on disk=ssd
  kPinned,        // spec.node names a registered host, which may be down or cordoned
  kTooLarge,      // more memory than any host has
  kNoLabelMatch,  // a nodeSelector that no host matches
  kUnregistered,  // pinned to a host that is not registered
};

struct KindShare {
  RequestKind kind;
  const char* name;
  int percent;
};

constexpr std::array<KindShare, 8> kMix{{
    {RequestKind::kBestEffort, "no requests", 35},
    {RequestKind::kResources, "cpu and memory", 35},
    {RequestKind::kZone, "zone selector", 15},
    {RequestKind::kSsd, "ssd selector", 7},
    {RequestKind::kPinned, "pinned", 4},
    {RequestKind::kTooLarge, "too large", 2},
    {RequestKind::kNoLabelMatch, "selector without match", 1},
    {RequestKind::kUnregistered, "pinned to unknown host", 1},
}};

struct HostShape {
  int64_t cpu_millis;
  int64_t memory_bytes;
};

constexpr std::array<HostShape, 3> kHostShapes{{
    {2000, 4 * kGi},
    {4000, 8 * kGi},
    {8000, 16 * kGi},
}};

constexpr std::array<const char*, 4> kZones{"zone-a", "zone-b", "zone-c", "zone-d"};
constexpr std::array<int64_t, 4> kCpuRequests{100, 250, 500, 1000};
constexpr std::array<int64_t, 4> kMemoryRequests{64 * kMi, 128 * kMi, 256 * kMi, 512 * kMi};

// The hosts and requests of one run. std::mt19937_64 is specified by the standard, but the
// distributions are not, so the same seed gives the same workload with the same standard
// library only.
struct Workload {
  std::vector<NodeCandidate> hosts;
  std::vector<PlacementRequest> requests;
  std::vector<RequestKind> kinds;                   // one per request
  std::unordered_map<std::string, size_t> by_name;  // host name -> index in hosts
};

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  bool chance(double probability) { return std::bernoulli_distribution(probability)(engine_); }

  // Returns an integer in [low, high].
  int64_t between(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(engine_);
  }

  template <typename T, size_t N>
  const T& pick(const std::array<T, N>& values) {
    return values[static_cast<size_t>(between(0, N - 1))];
  }

 private:
  std::mt19937_64 engine_;
};

NodeCandidate make_host(size_t index, Random& random) {
  NodeCandidate host;
  // Zero-padded, so that the lexical order of names, which breaks score ties, is the index
  // order.
  host.name = fmt::format("host-{:05}", index + 1);
  host.ready = !random.chance(0.02);
  host.schedulable = !random.chance(0.01);
  host.labels["zone"] = kZones[index % kZones.size()];
  host.labels["disk"] = random.chance(0.3) ? "ssd" : "hdd";
  if (random.chance(0.05)) {
    host.labels["gpu"] = "true";
  }

  const HostShape& shape = random.pick(kHostShapes);
  host.cpu_capacity_millis = shape.cpu_millis;
  host.memory_capacity_bytes = shape.memory_bytes;

  // Hosts start between empty and half full, so that scores differ from the first
  // placement on and ties are the exception, as in a cluster that has been running.
  host.containers = static_cast<int>(random.between(0, 8));
  host.cpu_requested_millis = host.cpu_capacity_millis * random.between(0, 50) / 100;
  host.memory_requested_bytes = host.memory_capacity_bytes * random.between(0, 50) / 100;
  return host;
}

RequestKind pick_kind(Random& random) {
  int64_t roll = random.between(0, 99);
  for (const auto& share : kMix) {
    if (roll < share.percent) {
      return share.kind;
    }
    roll -= share.percent;
  }
  return RequestKind::kBestEffort;
}

PlacementRequest make_request(RequestKind kind, size_t host_count, Random& random) {
  PlacementRequest request;
  if (kind != RequestKind::kBestEffort) {
    request.cpu_millis = random.pick(kCpuRequests);
    request.memory_bytes = random.pick(kMemoryRequests);
  }

  switch (kind) {
    case RequestKind::kBestEffort:
    case RequestKind::kResources:
      break;
    case RequestKind::kZone:
      request.node_selector["zone"] = random.pick(kZones);
      break;
    case RequestKind::kSsd:
      request.node_selector["disk"] = "ssd";
      break;
    case RequestKind::kPinned:
      request.node = fmt::format("host-{:05}", random.between(1, static_cast<int64_t>(host_count)));
      break;
    case RequestKind::kTooLarge:
      request.memory_bytes = 1024 * kGi;
      break;
    case RequestKind::kNoLabelMatch:
      request.node_selector["zone"] = "zone-z";
      break;
    case RequestKind::kUnregistered:
      request.node = "retired-host";
      break;
  }
  return request;
}

Workload make_workload(size_t host_count, size_t container_count, uint64_t seed) {
  Random random(seed);
  Workload workload;

  workload.hosts.reserve(host_count);
  for (size_t i = 0; i < host_count; ++i) {
    workload.hosts.push_back(make_host(i, random));
    workload.by_name.emplace(workload.hosts.back().name, i);
  }

  workload.requests.reserve(container_count);
  workload.kinds.reserve(container_count);
  for (size_t i = 0; i < container_count; ++i) {
    RequestKind kind = pick_kind(random);
    workload.kinds.push_back(kind);
    workload.requests.push_back(make_request(kind, host_count, random));
  }
  return workload;
}

// Adds the request to the host, as the assignment that the controller writes would.
void commit(const PlacementRequest& request, NodeCandidate& host) {
  host.cpu_requested_millis += request.cpu_millis;
  host.memory_requested_bytes += request.memory_bytes;
  ++host.containers;
}

// The outcome of one pass over all requests: the chosen host index per request (kNoHost
// when Pending) and the Pending reasons, in request order.
struct PassResult {
  double seconds = 0;
  std::vector<int> chosen;
  std::vector<std::string> reasons;
};

PassResult run_scheduler(const Scheduler& scheduler, const Workload& workload) {
  std::vector<NodeCandidate> hosts = workload.hosts;
  PassResult result;
  result.chosen.reserve(workload.requests.size());

  auto started = Clock::now();
  for (const auto& request : workload.requests) {
    Placement placement = scheduler.place(request, hosts);
    if (!placement.node) {
      result.chosen.push_back(kNoHost);
      result.reasons.push_back(std::move(placement.reason));
      continue;
    }
    size_t index = workload.by_name.at(*placement.node);
    commit(request, hosts[index]);
    result.chosen.push_back(static_cast<int>(index));
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

// The same filters as Scheduler::place (pin, Ready, cordon, node selector, cpu and memory
// fit, where a capacity of 0 admits anything), without the rejection counts.
bool passes_filters(const PlacementRequest& request, const NodeCandidate& host) {
  if (request.node && *request.node != host.name) {
    return false;
  }
  if (!host.ready || !host.schedulable) {
    return false;
  }
  for (const auto& [key, value] : request.node_selector) {
    auto label = host.labels.find(key);
    if (label == host.labels.end() || label->second != value) {
      return false;
    }
  }
  if (request.cpu_millis > 0 && host.cpu_capacity_millis > 0 &&
      host.cpu_requested_millis + request.cpu_millis > host.cpu_capacity_millis) {
    return false;
  }
  return !(request.memory_bytes > 0 && host.memory_capacity_bytes > 0 &&
           host.memory_requested_bytes + request.memory_bytes > host.memory_capacity_bytes);
}

struct BaselineResult {
  double seconds = 0;
  size_t passed = 0;  // hosts that passed the filters, summed over all requests
};

// Copies land here, so that the compiler cannot drop them as unused.
volatile size_t copy_sink = 0;

// Applies the filters to every host for every request and commits the host that the
// scheduler chose, so that the hosts evolve exactly as in the scheduler's pass.
BaselineResult run_filter_only(const Workload& workload, const std::vector<int>& chosen) {
  std::vector<NodeCandidate> hosts = workload.hosts;
  BaselineResult result;

  auto started = Clock::now();
  for (size_t i = 0; i < workload.requests.size(); ++i) {
    const PlacementRequest& request = workload.requests[i];
    for (const auto& host : hosts) {
      result.passed += passes_filters(request, host) ? 1 : 0;
    }
    if (chosen[i] != kNoHost) {
      commit(request, hosts[static_cast<size_t>(chosen[i])]);
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

// Copies the candidate list once per request, which is what handing the scheduler a fresh
// list per placement costs at the least, and commits the scheduler's choices.
BaselineResult run_copy_list(const Workload& workload, const std::vector<int>& chosen) {
  std::vector<NodeCandidate> hosts = workload.hosts;
  BaselineResult result;

  auto started = Clock::now();
  for (size_t i = 0; i < workload.requests.size(); ++i) {
    std::vector<NodeCandidate> copy = hosts;
    copy_sink = copy_sink + copy.back().labels.size();
    if (chosen[i] != kNoHost) {
      commit(workload.requests[i], hosts[static_cast<size_t>(chosen[i])]);
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) {
    return values[middle];
  }
  return (values[middle - 1] + values[middle]) / 2;
}

// Returns an empty string when every host stays within its capacity after the pass, and
// otherwise the first host that does not.
std::string find_overbooked(const Workload& workload, const std::vector<int>& chosen) {
  std::vector<NodeCandidate> hosts = workload.hosts;
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (chosen[i] != kNoHost) {
      commit(workload.requests[i], hosts[static_cast<size_t>(chosen[i])]);
    }
  }
  for (const auto& host : hosts) {
    if (host.cpu_requested_millis > host.cpu_capacity_millis ||
        host.memory_requested_bytes > host.memory_capacity_bytes) {
      return host.name;
    }
  }
  return "";
}

struct PolicyFigures {
  const char* policy;
  double scheduler_seconds;
  double filter_seconds;
  double copy_seconds;
};

void print_outcome(const Workload& workload, const char* policy, const PassResult& pass) {
  std::vector<int> added(workload.hosts.size(), 0);
  std::map<std::string, int> reasons;
  for (int index : pass.chosen) {
    if (index != kNoHost) {
      ++added[static_cast<size_t>(index)];
    }
  }
  for (const auto& reason : pass.reasons) {
    ++reasons[reason];
  }

  size_t placed = pass.chosen.size() - pass.reasons.size();
  auto hosts_used = std::count_if(added.begin(), added.end(), [](int n) { return n > 0; });
  int max_on_one_host = *std::max_element(added.begin(), added.end());
  fmt::print("  {}: {} placed on {} hosts (at most {} on one host), {} Pending\n", policy, placed,
             hosts_used, max_on_one_host, pass.reasons.size());

  std::vector<std::pair<std::string, int>> sorted(reasons.begin(), reasons.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  size_t printed_count = std::min(sorted.size(), kReasonsShown);
  for (size_t i = 0; i < printed_count; ++i) {
    fmt::print("    {:>4} x {}\n", sorted[i].second, sorted[i].first);
  }

  // The counts in a reason change as hosts fill up, so the tail is long and adds little.
  int rest = 0;
  for (size_t i = printed_count; i < sorted.size(); ++i) {
    rest += sorted[i].second;
  }
  if (rest > 0) {
    fmt::print("    {:>4} x {} other distinct reasons\n", rest, sorted.size() - printed_count);
  }
}

void print_mix(const Workload& workload) {
  std::map<RequestKind, int> counts;
  for (RequestKind kind : workload.kinds) {
    ++counts[kind];
  }
  std::vector<std::string> parts;
  for (const auto& share : kMix) {
    parts.push_back(fmt::format("{} {}", counts[share.kind], share.name));
  }
  fmt::print("  requests: {}\n", fmt::join(parts, ", "));
}

// Measures one policy. An untimed pass records the choices that every later pass must
// repeat. Then each of `repeat` rounds runs the scheduler and both baselines in rotating
// order, so that none of them always runs first on a cold cache. Returns false when a
// check fails.
bool measure_policy(const Workload& workload, const char* policy_name, ScoringPolicy policy,
                    int repeat, PolicyFigures& figures) {
  Scheduler scheduler(policy);
  PassResult warm_up = run_scheduler(scheduler, workload);
  if (std::string host = find_overbooked(workload, warm_up.chosen); !host.empty()) {
    fmt::print(stderr, "scheduler_bench: {}: placements exceed the cpu or memory capacity of {}\n",
               policy_name, host);
    return false;
  }

  std::vector<double> scheduler_seconds;
  std::vector<double> filter_seconds;
  std::vector<double> copy_seconds;
  size_t passed = 0;
  for (int round = 0; round < repeat; ++round) {
    for (int step = 0; step < 3; ++step) {
      switch ((round + step) % 3) {
        case 0: {
          PassResult pass = run_scheduler(scheduler, workload);
          if (pass.chosen != warm_up.chosen) {
            fmt::print(stderr,
                       "scheduler_bench: {}: round {} chose other hosts than the untimed pass, "
                       "but the scheduler must be deterministic\n",
                       policy_name, round + 1);
            return false;
          }
          scheduler_seconds.push_back(pass.seconds);
          break;
        }
        case 1: {
          BaselineResult filtered = run_filter_only(workload, warm_up.chosen);
          filter_seconds.push_back(filtered.seconds);
          passed = filtered.passed;
          break;
        }
        default: {
          BaselineResult copied = run_copy_list(workload, warm_up.chosen);
          copy_seconds.push_back(copied.seconds);
          break;
        }
      }
    }
  }

  print_outcome(workload, policy_name, warm_up);
  fmt::print("    {:.1f} of {} hosts passed the filters per request on average\n",
             static_cast<double>(passed) / static_cast<double>(workload.requests.size()),
             workload.hosts.size());
  figures = {policy_name, median(scheduler_seconds), median(filter_seconds), median(copy_seconds)};
  return true;
}

void print_figures(size_t host_count, size_t container_count, const PolicyFigures& figures) {
  auto per_second = [&](double seconds) { return static_cast<double>(container_count) / seconds; };
  auto micros = [&](double seconds) {
    return 1e6 * seconds / static_cast<double>(container_count);
  };
  fmt::print("{:>6}  {:<8}  {:>12.0f}  {:>9.2f}  {:>11.2f}  {:>9.2f}  {:>14.2f}\n", host_count,
             figures.policy, per_second(figures.scheduler_seconds),
             micros(figures.scheduler_seconds), micros(figures.filter_seconds),
             micros(figures.copy_seconds), figures.scheduler_seconds / figures.filter_seconds);
}

int run(const Options& options) {
#ifndef NDEBUG
  fmt::print("warning: assertions are on; build with -DCMAKE_BUILD_TYPE=Release for figures\n");
#endif
  fmt::print("{} containers per pass, seed {}, median of {} rounds per figure\n",
             options.containers, options.seed, options.repeat);

  std::vector<std::pair<size_t, PolicyFigures>> rows;
  for (int host_count : options.hosts) {
    auto hosts = static_cast<size_t>(host_count);
    Workload workload = make_workload(hosts, static_cast<size_t>(options.containers), options.seed);
    fmt::print("\n{} hosts\n", hosts);
    print_mix(workload);

    for (auto [name, policy] : {std::pair{"spread", ScoringPolicy::kSpread},
                                std::pair{"binpack", ScoringPolicy::kBinpack}}) {
      PolicyFigures figures{};
      if (!measure_policy(workload, name, policy, options.repeat, figures)) {
        return 1;
      }
      rows.emplace_back(hosts, figures);
    }
  }

  fmt::print("\n{:>6}  {:<8}  {:>12}  {:>9}  {:>11}  {:>9}  {:>14}\n", "hosts", "policy",
             "placements/s", "us each", "filter us", "copy us", "place / filter");
  for (const auto& [hosts, figures] : rows) {
    print_figures(hosts, static_cast<size_t>(options.containers), figures);
  }

  for (const auto& [hosts, figures] : rows) {
    if (hosts != kTargetHosts) {
      continue;
    }
    double per_second = options.containers / figures.scheduler_seconds;
    fmt::print("target at least {:.0f} placements/s at {} hosts, {}: {}\n",
               kTargetPlacementsPerSecond, kTargetHosts, figures.policy,
               per_second >= kTargetPlacementsPerSecond ? "met" : "not met");
  }
  return 0;
}

}  // namespace
}  // namespace raictl::controller

int main(int argc, char** argv) {
  raictl::controller::Options options;
  CLI::App app{"Measure Scheduler::place on simulated hosts against same-run baselines"};
  app.add_option("--hosts", options.hosts, "host counts to measure, comma-separated")
      ->delimiter(',')
      ->check(CLI::Range(1, 99999));
  app.add_option("--containers", options.containers, "placements per pass")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--repeat", options.repeat, "timed rounds per figure; the median is printed")
      ->check(CLI::Range(1, 100));
  app.add_option("--seed", options.seed, "seed of the host and request generator");
  CLI11_PARSE(app, argc, argv);
  return raictl::controller::run(options);
}
