#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "raictl/context.h"

namespace raictl::cli {

struct DrainOptions {
  std::string node;
  int timeout_seconds = 120;                // how long to wait for the containers to move
  bool no_wait = false;                     // request the drain and return at once
  const std::atomic<bool>* stop = nullptr;  // set by SIGINT; ends the wait; may be null
  std::chrono::milliseconds poll_interval{500};
};

// `raictl drain NODE`: cordons the node with a drain request, which makes the controller
// move every container that is not pinned there by spec.node. Unless --no-wait, polls Redis
// until the node has no live unpinned copy left and the node confirmed that each moved copy
// is gone, printing one line per container as it moves and one per pinned container that
// stays. Returns the exit code: 0 once drained, or 1 for a node that is not registered, a
// timeout (listing what did not move and why), Ctrl-C, an uncordon during the wait or a
// store error. The node stays cordoned in every case.
int drain_command(const DrainOptions& options, Context& context, std::ostream& out,
                  std::ostream& err);

// The facts a drain needs about one container.
struct DrainContainer {
  std::string pinned_node;  // spec.node; empty when the scheduler chooses
  std::string phase;        // from its status, empty when it has none
  std::string reason;
  std::string message;
};

// One look at the cluster while a node drains.
struct DrainSnapshot {
  std::map<std::string, nlohmann::json> assignments;  // the draining node's copies
  std::map<std::string, std::string> placements;      // container -> node of its live copy
  std::map<std::string, DrainContainer> containers;   // every container that exists
};

// Follows a drain across snapshots and decides when it is finished. Pure, for tests.
class DrainTracker {
 public:
  explicit DrainTracker(std::string node) : node_(std::move(node)) {}

  // Takes a new snapshot and returns the lines about containers that moved, were deleted or
  // turned out to be pinned since the last one, each reported once.
  std::vector<std::string> update(const DrainSnapshot& snapshot);

  // True when the node has no live unpinned copy and no evicted copy left.
  bool drained() const;

  // One line per container that keeps the drain from finishing, saying why.
  std::vector<std::string> blockers() const;

  // One line per container that left the node but has no new copy anywhere yet, with its
  // status. Such a container does not keep the node from being drained.
  std::vector<std::string> unplaced() const;

 private:
  bool pinned_here(const std::string& container) const;

  std::string node_;
  DrainSnapshot last_;
  std::set<std::string> seen_;      // every container that had a copy on the node
  std::set<std::string> reported_;  // containers whose move, deletion or pin was printed
};

}  // namespace raictl::cli
