#include "raictl/node_remove.h"

#include <set>

#include "core/keys.h"
#include "core/log.h"
#include "fmt/format.h"
#include "ipam/ipv4.h"
#include "raictl/node_view.h"
#include "raictl/table.h"

namespace raictl::cli {

namespace {

// The outcome of a removal, for the report: one line per address or copy.
struct RemovalReport {
  std::vector<std::string> lines;     // printed on stdout
  std::vector<std::string> problems;  // addresses that could not be released, on stderr
};

// Releases the bridge addresses reserved for the node on each pool and deletes their entries
// in raictl:gateways.
Status release_gateways(const std::string& name, Context& context, RemovalReport& report) {
  auto pools = context.ipam().list_pools();
  if (!pools) {
    return pools.error();
  }
  for (const auto& pool : *pools) {
    auto gateway = context.client().command({"HGET", keys::gateways(pool.name), name});
    if (!gateway) {
      return gateway.error();
    }
    if (gateway->is_nil()) {
      continue;
    }
    // Only the pool's own gateway is not a reservation; every other host gateway is.
    auto address = ipam::Ipv4::parse(gateway->text);
    if (address && (!pool.gateway || *pool.gateway != *address)) {
      auto released = context.ipam().unreserve(pool.name, *address, "node/" + name);
      if (!released && released.code() != ErrorCode::kNotFound) {
        return released;
      }
      report.lines.push_back(fmt::format("released: {} (pool {}), the bridge address of {}",
                                         address->to_string(), pool.name, name));
    }
    if (auto removed = context.client().command({"HDEL", keys::gateways(pool.name), name});
        !removed) {
      return removed.error();
    }
  }
  return Status::Ok();
}

// "web-1, web-2 (evicted)".
std::string assignment_list(const std::map<std::string, nlohmann::json>& assignments) {
  std::vector<std::string> names;
  names.reserve(assignments.size());
  for (const auto& [container, assignment] : assignments) {
    names.push_back(container + (assignment.value("evicted", false) ? " (evicted)" : ""));
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

// Gives back the address an evicted copy kept reserved, now that the copy is known gone.
void release_held_address(const std::string& container, const nlohmann::json& assignment,
                          Context& context, RemovalReport& report) {
  std::string pool = assignment.value("pool", "");
  std::string ip = assignment.value("ip", "");
  std::string holder = assignment.value("heldBy", "");
  std::string what =
      fmt::format("{} (pool {}), held for the old copy of container/{}", ip, pool, container);

  auto address = ipam::Ipv4::parse(ip);
  if (pool.empty() || holder.empty() || !address) {
    report.problems.push_back(
        fmt::format("not released: the evicted copy of container/{} names no valid pool, "
                    "address and holder (pool \"{}\", ip \"{}\", heldBy \"{}\"); "
                    "\"raictl ipam check\" shows what is left",
                    container, pool, ip, holder));
    return;
  }
  auto released = context.ipam().unreserve(pool, *address, holder);
  if (released) {
    report.lines.push_back("released: " + what);
  } else if (released.code() == ErrorCode::kNotFound) {
    report.lines.push_back("already free: " + what);
  } else {
    report.problems.push_back(fmt::format("not released: {}: {}", what, released.error().message));
  }
}

// Describes what becomes of a container whose copy on the removed node was dropped.
std::string dropped_copy_line(const std::string& node, const std::string& container,
                              const nlohmann::json& assignment,
                              const std::set<std::string>& pinned_here) {
  if (assignment.value("deleting", false)) {
    return fmt::format("container/{}: copy on {} dropped while being deleted", container, node);
  }
  if (pinned_here.contains(container)) {
    return fmt::format(
        "container/{}: copy on {} dropped; it is pinned to {} by spec.node, so it cannot be "
        "placed until a node of that name registers",
        container, node, node);
  }
  return fmt::format("container/{}: copy on {} dropped; the controller places it again", container,
                     node);
}

// The containers whose spec.node names the node.
Result<std::set<std::string>> containers_pinned_to(Store& store, const std::string& node) {
  auto records = store.list("Container");
  if (!records) {
    return records.error();
  }
  std::set<std::string> pinned;
  for (const auto& record : *records) {
    if (record.spec.value("node", "") == node) {
      pinned.insert(record.name);
    }
  }
  return pinned;
}

// Why a node looks alive, or nullopt when it looks dead: --force must never drop the copies
// of a host that still runs them, because their addresses would be handed out again.
std::optional<std::string> alive_evidence(const NodeView& node, const ReadinessBasis& basis) {
  std::vector<std::string> evidence;
  if (node.condition && node.condition->is_object() && node.condition->value("ready", false)) {
    evidence.emplace_back("the controller reports it Ready");
  }
  if (auto age = heartbeat_age_ms(node, basis); age && *age < basis.node_grace_ms) {
    evidence.push_back(fmt::format("its last heartbeat was {} ago, within the grace of {}",
                                   format_age(*age), format_age(basis.node_grace_ms)));
  }
  if (evidence.empty()) {
    return std::nullopt;
  }
  return fmt::format("{}", fmt::join(evidence, " and "));
}

int remove_dead_node(const std::string& name, Context& context, std::ostream& out,
                     std::ostream& err) {
  auto node = load_node(context.store(), name);
  if (!node) {
    return fail(err, node.error().message);
  }
  if (!node->has_value()) {
    return fail(err, require_registered_node(context.store(), name).error().message);
  }
  auto basis = load_readiness_basis(context.store());
  if (!basis) {
    return fail(err, basis.error().message);
  }
  if (auto alive = alive_evidence(**node, *basis)) {
    return fail(err, fmt::format("node \"{}\" looks alive: {}. --force is only for a host that "
                                 "is gone for good: stop raictl-node on {} and wait {}, or "
                                 "move its containers with \"raictl drain {}\" and then run "
                                 "\"raictl node remove {}\"",
                                 name, *alive, name, format_age(basis->node_grace_ms), name, name));
  }
  auto pinned = containers_pinned_to(context.store(), name);
  if (!pinned) {
    return fail(err, pinned.error().message);
  }

  // Gateways first: if raictl stops halfway, the node is still registered and running the
  // command again finishes the job. Addresses held for forgotten copies, the other way round,
  // are released by the controller's repair pass.
  RemovalReport report;
  if (auto released = release_gateways(name, context, report); !released) {
    return fail(err, released.error().message);
  }
  auto forgotten = context.store().forget_node(name);
  if (!forgotten) {
    return fail(err, forgotten.error().message);
  }
  for (const auto& [container, assignment] : *forgotten) {
    if (assignment.value("evicted", false)) {
      release_held_address(container, assignment, context, report);
    } else {
      report.lines.push_back(dropped_copy_line(name, container, assignment, *pinned));
    }
  }
  if (auto notified = context.store().notify_controller("node", name); !notified) {
    return fail(err, notified.error().message);
  }
  component_logger("raictl")->debug("node={} removed by force, {} assignments dropped", name,
                                    forgotten->size());

  for (const auto& line : report.lines) {
    out << line << "\n";
  }
  out << "node/" << name << " removed\n";
  if (!report.problems.empty()) {
    for (const auto& problem : report.problems) {
      err << problem << "\n";
    }
    return fail(err,
                fmt::format("node/{} was removed, but {} address{} could not be released", name,
                            report.problems.size(), report.problems.size() == 1 ? "" : "es"));
  }
  return 0;
}

}  // namespace

Result<std::vector<std::string>> remove_empty_node(const std::string& name, Context& context) {
  if (auto registered = require_registered_node(context.store(), name); !registered) {
    return registered.error();
  }

  // A cordon keeps the controller from placing a container here between the check below and
  // the removal. It is lifted again if the node turns out not to be empty.
  auto cordons = context.store().cordons();
  if (!cordons) {
    return cordons.error();
  }
  bool was_cordoned = cordons->contains(name);
  if (!was_cordoned) {
    if (auto cordoned = context.store().cordon(name, false); !cordoned) {
      return cordoned.error();
    }
  }

  auto assigned = context.store().assignments(name);
  if (!assigned) {
    return assigned.error();
  }
  if (!assigned->empty()) {
    if (!was_cordoned) {
      if (auto lifted = context.store().uncordon(name); !lifted) {
        return lifted.error();
      }
    }
    return make_error(
        ErrorCode::kConflict,
        fmt::format("node \"{}\" still has {} container{} assigned ({}); move them with "
                    "\"raictl drain {}\" first, or run \"raictl node remove {} --force\" if the "
                    "host is gone for good",
                    name, assigned->size(), assigned->size() == 1 ? "" : "s",
                    assignment_list(*assigned), name, name));
  }

  RemovalReport report;
  if (auto released = release_gateways(name, context, report); !released) {
    return released.error();
  }
  if (auto forgotten = context.store().forget_node(name); !forgotten) {
    return forgotten.error();
  }
  if (auto notified = context.store().notify_controller("node", name); !notified) {
    return notified.error();
  }
  component_logger("raictl")->debug("node={} removed", name);
  return report.lines;
}

int node_remove_command(const NodeRemoveOptions& options, Context& context, std::ostream& out,
                        std::ostream& err) {
  if (options.force) {
    return remove_dead_node(options.node, context, out, err);
  }
  auto released = remove_empty_node(options.node, context);
  if (!released) {
    return fail(err, released.error().message);
  }
  for (const auto& line : *released) {
    out << line << "\n";
  }
  out << "node/" << options.node << " removed\n";
  return 0;
}

}  // namespace raictl::cli
