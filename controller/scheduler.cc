#include "controller/scheduler.h"

#include <algorithm>

#include "fmt/format.h"

namespace raictl::controller {

namespace {

// Filter outcomes in the order they are reported in a Pending reason.
enum class Rejection {
  kNotReady,
  kCordoned,
  kNotPinned,
  kSelector,
  kCpu,
  kMemory,
};

constexpr const char* rejection_text(Rejection rejection) {
  switch (rejection) {
    case Rejection::kNotReady:
      return "not ready";
    case Rejection::kCordoned:
      return "cordoned";
    case Rejection::kNotPinned:
      return "not the pinned node";
    case Rejection::kSelector:
      return "didn't match node selector";
    case Rejection::kCpu:
      return "insufficient cpu";
    case Rejection::kMemory:
      return "insufficient memory";
  }
  return "unknown";
}

std::optional<Rejection> filter(const PlacementRequest& request, const NodeCandidate& node) {
  if (request.node && *request.node != node.name) {
    return Rejection::kNotPinned;
  }
  if (!node.ready) {
    return Rejection::kNotReady;
  }
  if (!node.schedulable) {
    return Rejection::kCordoned;
  }
  for (const auto& [key, value] : request.node_selector) {
    auto label = node.labels.find(key);
    if (label == node.labels.end() || label->second != value) {
      return Rejection::kSelector;
    }
  }
  // A host that reports no capacity (0) accepts any request: the engine did not tell us.
  if (request.cpu_millis > 0 && node.cpu_capacity_millis > 0 &&
      node.cpu_requested_millis + request.cpu_millis > node.cpu_capacity_millis) {
    return Rejection::kCpu;
  }
  if (request.memory_bytes > 0 && node.memory_capacity_bytes > 0 &&
      node.memory_requested_bytes + request.memory_bytes > node.memory_capacity_bytes) {
    return Rejection::kMemory;
  }
  return std::nullopt;
}

double fraction(int64_t used, int64_t capacity) {
  return capacity > 0 ? static_cast<double>(used) / static_cast<double>(capacity) : 0.0;
}

std::string pending_reason(const PlacementRequest& request, size_t total,
                           const std::map<Rejection, int>& counts) {
  int not_pinned = counts.contains(Rejection::kNotPinned) ? counts.at(Rejection::kNotPinned) : 0;
  if (request.node && not_pinned == static_cast<int>(total)) {
    return fmt::format("pinned node \"{}\" is not registered", *request.node);
  }
  // With a pin, the other hosts were never candidates: only the pinned one's cause counts.
  if (request.node) {
    for (const auto& [rejection, count] : counts) {
      if (rejection != Rejection::kNotPinned) {
        return fmt::format("pinned node \"{}\" is not available: {}", *request.node,
                           rejection_text(rejection));
      }
    }
  }

  std::string reason = fmt::format("0/{} nodes available", total);
  const char* separator = ": ";
  for (const auto& [rejection, count] : counts) {
    reason += fmt::format("{}{} {}", separator, count, rejection_text(rejection));
    separator = ", ";
  }
  return reason;
}

}  // namespace

Placement Scheduler::place(const PlacementRequest& request,
                           const std::vector<NodeCandidate>& nodes) const {
  std::map<Rejection, int> rejections;
  const NodeCandidate* best = nullptr;
  double best_score = 0;

  for (const auto& node : nodes) {
    if (auto rejection = filter(request, node)) {
      ++rejections[*rejection];
      continue;
    }
    double candidate_score = score(request, node);
    bool better = best == nullptr || candidate_score > best_score ||
                  (candidate_score == best_score && node.name < best->name);
    if (better) {
      best = &node;
      best_score = candidate_score;
    }
  }

  if (best == nullptr) {
    return Placement{std::nullopt, pending_reason(request, nodes.size(), rejections)};
  }
  return Placement{best->name, ""};
}

double Scheduler::score(const PlacementRequest& request, const NodeCandidate& node) const {
  double cpu = fraction(node.cpu_requested_millis + request.cpu_millis, node.cpu_capacity_millis);
  double memory =
      fraction(node.memory_requested_bytes + request.memory_bytes, node.memory_capacity_bytes);
  double allocated = (cpu + memory) / 2.0;

  // The container count breaks ties between equally loaded hosts, so that containers
  // without requests still spread; it is scaled below the resolution of the fractions.
  double count_term = static_cast<double>(node.containers) * 1e-6;

  if (policy_ == ScoringPolicy::kBinpack) {
    return allocated + count_term;
  }
  return -allocated - count_term;
}

}  // namespace raictl::controller
