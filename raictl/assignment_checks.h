#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ipam/ipam.h"

namespace raictl::cli {

// Cross-checks of the assignments against IPAM's held reservations, the placement index and
// the nodes' capacity, for `raictl ipam check`. Pure functions over data read beforehand.

// Every assignments hash, node -> container name -> assignment JSON.
using AssignmentsByNode = std::map<std::string, std::map<std::string, nlohmann::json>>;

// Lines of a check: notes are expected states worth showing, problems fail the check.
struct CheckFindings {
  std::vector<std::string> notes;
  std::vector<std::string> problems;
};

// IPAM holder prefix of the reservations that keep an evicted copy's address taken.
inline constexpr const char* kHeldHolderPrefix = "held/";

// Each evicted copy must keep its address reserved under its heldBy holder (a note), and
// each "held/" reservation must belong to an evicted copy. `reservations` is pool -> that
// pool's reservations.
void check_held_addresses(const AssignmentsByNode& assignments,
                          const std::map<std::string, std::vector<ipam::Reservation>>& reservations,
                          CheckFindings& findings);

// A container has at most one live (not evicted) copy, on the node raictl:placements names,
// and every placement entry points at a live copy.
void check_placements(const AssignmentsByNode& assignments,
                      const std::map<std::string, std::string>& placements,
                      CheckFindings& findings);

// The requests allocated to a node and the capacity it reported.
struct NodeLoad {
  std::string node;
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  int64_t cpu_capacity = 0;     // 0 when the node did not report it
  int64_t memory_capacity = 0;  // 0 when the node did not report it
};

// No node has more cpu or memory allocated than its capacity.
void check_node_loads(const std::vector<NodeLoad>& loads, CheckFindings& findings);

}  // namespace raictl::cli
