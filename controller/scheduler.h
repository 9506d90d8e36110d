#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace raictl::controller {

// One host as the scheduler sees it when it places a container.
struct NodeCandidate {
  std::string name;
  bool ready = false;       // heartbeat within the grace period
  bool schedulable = true;  // false when cordoned
  std::map<std::string, std::string> labels;
  int64_t cpu_capacity_millis = 0;
  int64_t memory_capacity_bytes = 0;
  int64_t cpu_requested_millis = 0;  // sum over containers already assigned to the host
  int64_t memory_requested_bytes = 0;
  int containers = 0;
};

// The parts of a container spec that constrain placement.
struct PlacementRequest {
  std::optional<std::string> node;  // pinned host
  std::map<std::string, std::string> node_selector;
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
};

// Either a chosen host or, when none fits, a reason that counts why each host was
// filtered out, as in "0/3 nodes available: 2 insufficient memory, 1 not ready".
struct Placement {
  std::optional<std::string> node;
  std::string reason;
};

enum class ScoringPolicy {
  kSpread,   // least allocated first, then fewest containers
  kBinpack,  // most allocated first, to keep whole hosts free
};

// Chooses a host for a container. Pure: no I/O, no clock, deterministic for the same input
// (ties go to the lexically smallest host name), so the controller can be tested without
// Redis and two controllers reach the same placement.
class Scheduler {
 public:
  explicit Scheduler(ScoringPolicy policy = ScoringPolicy::kSpread) : policy_(policy) {}

  Placement place(const PlacementRequest& request, const std::vector<NodeCandidate>& nodes) const;

 private:
  double score(const PlacementRequest& request, const NodeCandidate& node) const;

  ScoringPolicy policy_;
};

}  // namespace raictl::controller
