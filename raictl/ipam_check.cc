#include "raictl/ipam_check.h"

#include <map>
#include <set>

#include "core/keys.h"
#include "fmt/format.h"
#include "raictl/assignment_checks.h"
#include "raictl/node_view.h"
#include "raictl/objects_view.h"

namespace raictl::cli {

namespace {

// IPAM owner kind of containers, as raictl-controller allocates them.
constexpr const char* kContainerOwnerKind = "container";

struct AllocationInfo {
  std::string pool;
  std::string address;
  std::string uid;
};

// The IPAM state the check reads, once.
struct IpamSnapshot {
  size_t pool_count = 0;
  size_t allocation_count = 0;
  std::map<std::string, AllocationInfo> allocated;  // container name -> its address
  std::map<std::string, std::vector<ipam::Reservation>> reservations;  // pool -> reservations
};

// Every allocation must belong to a container that exists with the same uid.
Result<IpamSnapshot> check_allocation_owners(Context& context,
                                             const std::vector<Object>& containers,
                                             CheckFindings& findings) {
  auto pools = context.ipam().list_pools();
  if (!pools) {
    return pools.error();
  }
  std::map<std::string, const Object*> live;
  for (const auto& container : containers) {
    live[container.meta.name] = &container;
  }

  IpamSnapshot snapshot;
  snapshot.pool_count = pools->size();
  for (const auto& pool : *pools) {
    auto allocations = context.ipam().allocations(pool.name);
    if (!allocations) {
      return allocations.error();
    }
    snapshot.reservations[pool.name] = allocations->reservations;
    for (const auto& allocation : allocations->allocations) {
      ++snapshot.allocation_count;
      const auto& owner = allocation.owner;
      std::string address = allocation.address.to_string();
      if (owner.kind != kContainerOwnerKind) {
        continue;
      }
      snapshot.allocated[owner.name] = {pool.name, address, owner.uid};

      auto container = live.find(owner.name);
      if (container == live.end()) {
        findings.problems.push_back(fmt::format(
            "leaked: {} in pool \"{}\" is allocated to {} (uid {}), which does not exist", address,
            pool.name, owner.key(), owner.uid));
      } else if (container->second->meta.uid != owner.uid) {
        findings.problems.push_back(fmt::format(
            "leaked: {} in pool \"{}\" is allocated to {} with uid {}, but the container has "
            "uid {}",
            address, pool.name, owner.key(), owner.uid, container->second->meta.uid));
      }
    }
  }
  return snapshot;
}

// Live containers must not share an address, and each status IP must be the container's
// allocation. A status that still shows the address held for the container's evicted copy
// is only late: its new copy has not reported yet.
void check_status_addresses(const std::vector<Object>& containers, const IpamSnapshot& snapshot,
                            const AssignmentsByNode& assignments, CheckFindings& findings) {
  std::set<std::pair<std::string, std::string>> held_addresses;  // container name, address
  for (const auto& [node, copies] : assignments) {
    for (const auto& [name, assignment] : copies) {
      if (assignment.value("evicted", false)) {
        held_addresses.insert({name, assignment.value("ip", "")});
      }
    }
  }

  std::map<std::string, std::string> status_holder;  // address -> first container with it
  for (const auto& container : containers) {
    if (!container.status || container.status->ip.empty()) {
      continue;
    }
    const std::string& name = container.meta.name;
    const std::string& ip = container.status->ip;

    auto [holder, inserted] = status_holder.emplace(ip, name);
    if (!inserted) {
      findings.problems.push_back(
          fmt::format("duplicate: {} is the status IP of both container/{} and "
                      "container/{}",
                      ip, holder->second, name));
    }

    auto allocation = snapshot.allocated.find(name);
    if (allocation != snapshot.allocated.end() && allocation->second.address == ip) {
      continue;
    }
    if (held_addresses.contains({name, ip})) {
      findings.notes.push_back(fmt::format(
          "late status: container/{} still reports {}, the address held for its evicted copy; "
          "its new copy has not reported yet",
          name, ip));
    } else if (allocation == snapshot.allocated.end()) {
      findings.problems.push_back(
          fmt::format("mismatch: container/{} reports IP {} but holds no IPAM "
                      "allocation",
                      name, ip));
    } else {
      findings.problems.push_back(
          fmt::format("mismatch: container/{} reports IP {} but IPAM allocated {} "
                      "in pool \"{}\"",
                      name, ip, allocation->second.address, allocation->second.pool));
    }
  }
}

// Every assignments hash, registered node or not, so that copies left on a node whose
// record is gone are checked too.
Result<AssignmentsByNode> read_all_assignments(Context& context) {
  const std::string prefix = keys::assignments("");
  std::set<std::string> nodes;
  std::string cursor = "0";
  do {
    auto reply = context.client().command({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "100"});
    if (!reply) {
      return reply.error();
    }
    if (reply->elements.size() != 2) {
      return make_error(ErrorCode::kInternal, "SCAN returned an unexpected reply");
    }
    cursor = reply->elements[0].text;
    for (const auto& key : reply->elements[1].elements) {
      nodes.insert(key.text.substr(prefix.size()));
    }
  } while (cursor != "0");

  AssignmentsByNode assignments;
  for (const auto& node : nodes) {
    auto copies = context.store().assignments(node);
    if (!copies) {
      return copies.error();
    }
    assignments[node] = std::move(copies).value();
  }
  return assignments;
}

Result<std::vector<NodeLoad>> read_node_loads(Store& store) {
  auto nodes = load_nodes(store);
  if (!nodes) {
    return nodes.error();
  }
  std::vector<NodeLoad> loads;
  for (const auto& node : *nodes) {
    loads.push_back({node.name, node.allocated_amount("cpuMillis"),
                     node.allocated_amount("memoryBytes"), node.capacity("cpuMillis").value_or(0),
                     node.capacity("memoryBytes").value_or(0)});
  }
  return loads;
}

void print_findings(const CheckFindings& findings, std::ostream& out) {
  for (const auto& line : findings.notes) {
    out << line << "\n";
  }
  for (const auto& line : findings.problems) {
    out << line << "\n";
  }
}

}  // namespace

int ipam_check_command(Context& context, std::ostream& out, std::ostream& err) {
  auto problems = context.ipam().check();
  if (!problems) {
    return fail(err, problems.error().message);
  }
  CheckFindings findings;
  findings.problems = *problems;

  auto containers = load_objects(context.store(), Kind::kContainer);
  if (!containers) {
    return fail(err, containers.error().message);
  }
  auto snapshot = check_allocation_owners(context, *containers, findings);
  if (!snapshot) {
    return fail(err, snapshot.error().message);
  }
  auto assignments = read_all_assignments(context);
  if (!assignments) {
    return fail(err, assignments.error().message);
  }
  check_status_addresses(*containers, *snapshot, *assignments, findings);

  auto placements = context.store().placements();
  if (!placements) {
    return fail(err, placements.error().message);
  }
  auto loads = read_node_loads(context.store());
  if (!loads) {
    return fail(err, loads.error().message);
  }
  check_held_addresses(*assignments, snapshot->reservations, findings);
  check_placements(*assignments, *placements, findings);
  check_node_loads(*loads, findings);

  print_findings(findings, out);
  size_t problem_count = findings.problems.size();
  if (problem_count > 0) {
    return fail(err, fmt::format("ipam check found {} problem{}", problem_count,
                                 problem_count == 1 ? "" : "s"));
  }
  out << fmt::format("ipam check: OK ({} allocation{} in {} pool{})\n", snapshot->allocation_count,
                     snapshot->allocation_count == 1 ? "" : "s", snapshot->pool_count,
                     snapshot->pool_count == 1 ? "" : "s");
  return 0;
}

}  // namespace raictl::cli
