#include "raictl/assignment_checks.h"

#include <set>
#include <tuple>

#include "core/quantity.h"
#include "fmt/format.h"

namespace raictl::cli {

namespace {

// A held reservation as IPAM keys it: pool, address, holder.
using HeldKey = std::tuple<std::string, std::string, std::string>;

bool is_evicted(const nlohmann::json& assignment) {
  return assignment.value("evicted", false);
}

}  // namespace

void check_held_addresses(const AssignmentsByNode& assignments,
                          const std::map<std::string, std::vector<ipam::Reservation>>& reservations,
                          CheckFindings& findings) {
  std::set<HeldKey> reserved;
  for (const auto& [pool, list] : reservations) {
    for (const auto& reservation : list) {
      if (reservation.holder.starts_with(kHeldHolderPrefix)) {
        reserved.insert({pool, reservation.address.to_string(), reservation.holder});
      }
    }
  }

  std::set<HeldKey> expected;
  for (const auto& [node, copies] : assignments) {
    for (const auto& [name, assignment] : copies) {
      if (!is_evicted(assignment)) {
        continue;
      }
      std::string pool = assignment.value("pool", "");
      std::string ip = assignment.value("ip", "");
      std::string holder = assignment.value("heldBy", "");
      HeldKey key{pool, ip, holder};
      expected.insert(key);
      if (!reserved.contains(key)) {
        findings.problems.push_back(fmt::format(
            "missing hold: the evicted copy of container/{} on {} had {} in pool \"{}\", but IPAM "
            "has no reservation of it for \"{}\", so the address can be handed out while the "
            "old copy may still run",
            name, node, ip, pool, holder));
        continue;
      }
      findings.notes.push_back(fmt::format(
          "held: {} (pool {}) for container/{}, until {} confirms its old copy is gone or "
          "\"raictl node remove {} --force\"",
          ip, pool, name, node, node));
    }
  }

  for (const auto& key : reserved) {
    if (expected.contains(key)) {
      continue;
    }
    const auto& [pool, ip, holder] = key;
    findings.problems.push_back(fmt::format(
        "orphaned hold: {} in pool \"{}\" is reserved for \"{}\", but no node has an evicted "
        "copy that holds it; the leading controller repairs this at its next resync (every 30s "
        "by default)",
        ip, pool, holder));
  }
}

void check_placements(const AssignmentsByNode& assignments,
                      const std::map<std::string, std::string>& placements,
                      CheckFindings& findings) {
  std::map<std::string, std::vector<std::string>> live_nodes;  // container -> nodes, sorted
  for (const auto& [node, copies] : assignments) {
    for (const auto& [name, assignment] : copies) {
      if (!is_evicted(assignment)) {
        live_nodes[name].push_back(node);
      }
    }
  }

  for (const auto& [name, nodes] : live_nodes) {
    auto indexed = placements.find(name);
    if (nodes.size() > 1) {
      findings.problems.push_back(fmt::format("placed twice: container/{} has live copies on {}",
                                              name, fmt::join(nodes, " and ")));
    } else if (indexed == placements.end()) {
      findings.problems.push_back(fmt::format(
          "index mismatch: {} has a live copy of container/{}, but raictl:placements has no "
          "entry for it",
          nodes.front(), name));
    } else if (indexed->second != nodes.front()) {
      findings.problems.push_back(fmt::format(
          "index mismatch: {} has the live copy of container/{}, but raictl:placements puts it "
          "on {}",
          nodes.front(), name, indexed->second));
    }
  }
  for (const auto& [name, node] : placements) {
    if (!live_nodes.contains(name)) {
      findings.problems.push_back(fmt::format(
          "index mismatch: raictl:placements puts container/{} on {}, which has no live copy "
          "of it",
          name, node));
    }
  }
}

void check_node_loads(const std::vector<NodeLoad>& loads, CheckFindings& findings) {
  for (const auto& load : loads) {
    if (load.cpu_capacity > 0 && load.cpu_millis > load.cpu_capacity) {
      findings.problems.push_back(
          fmt::format("overbooked: node {} has {} cpu allocated, more than its capacity of {}",
                      load.node, format_cpu(load.cpu_millis), format_cpu(load.cpu_capacity)));
    }
    if (load.memory_capacity > 0 && load.memory_bytes > load.memory_capacity) {
      findings.problems.push_back(fmt::format(
          "overbooked: node {} has {} memory allocated, more than its capacity of {}", load.node,
          format_memory(load.memory_bytes), format_memory(load.memory_capacity)));
    }
  }
}

}  // namespace raictl::cli
