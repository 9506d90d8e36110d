#include "raictl/describe.h"

#include "core/quantity.h"
#include "core/store.h"
#include "fmt/format.h"
#include "ipam/pool_layout.h"
#include "raictl/node_view.h"
#include "raictl/objects_view.h"
#include "raictl/resource_table.h"
#include "raictl/table.h"

namespace raictl::cli {

namespace {

// Width of the label column; values start after it, as in kubectl's describe output.
constexpr int kLabelWidth = 24;

void field(std::ostream& out, int indent, const std::string& label, const std::string& value) {
  // A label longer than the column still gets one space before its value.
  std::string key = std::string(indent, ' ') + label + ": ";
  out << fmt::format("{:<{}}{}", key, kLabelWidth, value) << "\n";
}

std::string join(const std::vector<std::string>& values) {
  std::string text;
  for (const auto& value : values) {
    text += (text.empty() ? "" : " ") + value;
  }
  return or_none(text);
}

std::string created_text(const std::string& created_at, int64_t now) {
  if (created_at.empty()) {
    return "<unknown>";
  }
  return created_at + " (" + format_age_since(created_at, now) + " ago)";
}

void print_metadata(const Object& object, int64_t now, std::ostream& out) {
  field(out, 0, "Name", object.meta.name);
  field(out, 0, "Kind", std::string(to_string(object.kind)));
  field(out, 0, "Labels", format_labels(object.meta.labels));
  field(out, 0, "UID", or_none(object.meta.uid));
  field(out, 0, "Generation", std::to_string(object.meta.generation));
  field(out, 0, "Created", created_text(object.meta.created_at, now));
  if (object.meta.deletion_requested) {
    field(out, 0, "Deletion Requested", *object.meta.deletion_requested);
  }
}

void print_container_spec(const ContainerSpec& spec, std::ostream& out) {
  out << "Spec:\n";
  field(out, 2, "Image", spec.image);
  field(out, 2, "Command", join(spec.command));
  field(out, 2, "Args", join(spec.args));
  if (spec.env.empty()) {
    field(out, 2, "Env", "<none>");
  } else {
    out << "  Env:\n";
    for (const auto& [name, value] : spec.env) {
      out << "    " << name << "=" << value << "\n";
    }
  }
  field(out, 2, "Pool", spec.pool);
  field(out, 2, "IP requested", or_none(spec.ip));
  field(out, 2, "Node pinned", or_none(spec.node));
  field(out, 2, "Node selector", format_labels(spec.node_selector));
  field(out, 2, "Restart Policy", std::string(to_string(spec.restart_policy)));
  std::string cpu = spec.resources.cpu_millis ? format_cpu(*spec.resources.cpu_millis) : "<none>";
  std::string memory =
      spec.resources.memory_bytes ? format_memory(*spec.resources.memory_bytes) : "<none>";
  field(out, 2, "Resources", fmt::format("cpu={} memory={}", cpu, memory));
}

void print_container_status(const Object& object, std::ostream& out) {
  out << "Status:\n";
  if (!object.status) {
    field(out, 2, "Phase", container_status_text(object));
    out << "  (no status yet: raictl-controller has not placed the container)\n";
    return;
  }
  // The phase itself, not the table's STATUS text: the reason has a line of its own here.
  const ContainerStatus& status = *object.status;
  field(out, 2, "Phase", std::string(to_string(status.phase)));
  field(out, 2, "Reason", or_none(status.reason));
  field(out, 2, "Message", or_none(status.message));
  field(out, 2, "Node", or_none(status.node));
  field(out, 2, "IP", or_none(status.ip));
  field(out, 2, "Container ID", or_none(status.container_id));
  field(out, 2, "Restarts", std::to_string(status.restarts));
  field(out, 2, "Started", or_none(status.started_at));
  field(out, 2, "Observed Generation", std::to_string(status.observed_generation));
  field(out, 2, "Next Retry", or_none(status.next_retry_at));
}

Status print_events(Store& store, const Object& object, int64_t now, std::ostream& out) {
  auto events = store.list_events(std::string(to_string(object.kind)), object.meta.name);
  if (!events) {
    return events.error();
  }
  if (events->empty()) {
    field(out, 0, "Events", "<none>");
    return Status::Ok();
  }

  // Newest last, like kubectl.
  std::sort(events->begin(), events->end(),
            [](const EventRecord& a, const EventRecord& b) { return a.last_ms < b.last_ms; });
  out << "Events:\n";
  Table table({"TYPE", "REASON", "AGE", "FROM", "MESSAGE"});
  for (const auto& event : *events) {
    table.add_row({event.type, event.reason,
                   format_event_age(event.first_ms, event.last_ms, event.count, now), event.source,
                   event.message});
  }
  table.print(out, "  ");
  return Status::Ok();
}

int describe_container(const std::string& name, Context& context, std::ostream& out,
                       std::ostream& err) {
  auto container = load_object(context.store(), Kind::kContainer, name);
  if (!container) {
    return fail(err, container.error().message);
  }
  if (!container->has_value()) {
    err << not_found_message(Kind::kContainer, name) << "\n";
    return 1;
  }

  int64_t now = now_ms();
  const Object& object = **container;
  print_metadata(object, now, out);
  print_container_spec(std::get<ContainerSpec>(object.spec), out);
  print_container_status(object, out);
  if (auto printed = print_events(context.store(), object, now, out); !printed) {
    return fail(err, printed.error().message);
  }
  return 0;
}

int describe_pool(const std::string& name, Context& context, std::ostream& out, std::ostream& err) {
  auto pool = load_object(context.store(), Kind::kPool, name);
  if (!pool) {
    return fail(err, pool.error().message);
  }
  if (!pool->has_value()) {
    err << not_found_message(Kind::kPool, name) << "\n";
    return 1;
  }

  int64_t now = now_ms();
  const Object& object = **pool;
  print_metadata(object, now, out);

  auto spec = context.ipam().get_pool(name);
  auto usage = context.ipam().usage(name);
  auto allocations = context.ipam().allocations(name);
  if (!spec) {
    return fail(err, fmt::format("pool \"{}\": IPAM: {}", name, spec.error().message));
  }
  if (!usage) {
    return fail(err, fmt::format("pool \"{}\": IPAM: {}", name, usage.error().message));
  }
  if (!allocations) {
    return fail(err, fmt::format("pool \"{}\": IPAM: {}", name, allocations.error().message));
  }

  field(out, 0, "CIDR", spec->cidr.to_string());
  field(out, 0, "Gateway", spec->gateway ? spec->gateway->to_string() : "<default>");
  field(out, 0, "Range", spec->range ? spec->range->to_string() : spec->cidr.to_string());
  std::vector<std::string> excludes;
  for (const auto& exclusion : spec->exclude) {
    excludes.push_back(ipam::exclusion_to_string(exclusion));
  }
  field(out, 0, "Exclude", join(excludes));
  field(out, 0, "Usage",
        fmt::format("size={} capacity={} used={} reserved={} free={}", usage->size, usage->capacity,
                    usage->used, usage->reserved, usage->free));

  if (allocations->allocations.empty()) {
    field(out, 0, "Allocations", "<none>");
  } else {
    out << "Allocations:\n";
    Table table({"ADDRESS", "OWNER", "UID"});
    for (const auto& allocation : allocations->allocations) {
      table.add_row({allocation.address.to_string(), allocation.owner.key(), allocation.owner.uid});
    }
    table.print(out, "  ");
  }

  if (allocations->reservations.empty()) {
    field(out, 0, "Reservations", "<none>");
  } else {
    out << "Reservations:\n";
    Table table({"ADDRESS", "HOLDER"});
    for (const auto& reservation : allocations->reservations) {
      table.add_row({reservation.address.to_string(), reservation.holder});
    }
    table.print(out, "  ");
  }
  return 0;
}

std::string time_and_age(int64_t ms, int64_t now) {
  return fmt::format("{} ({} ago)", rfc3339(ms), format_age(now - ms));
}

void print_node_condition(const NodeView& node, const ReadinessBasis& basis, std::ostream& out) {
  if (!node.condition || !node.condition->is_object()) {
    field(out, 0, "Condition", "<none> (no controller has judged this node yet)");
    return;
  }
  const nlohmann::json& condition = *node.condition;
  out << "Condition:\n";
  field(out, 2, "Ready", condition.value("ready", false) ? "True" : "False");
  field(out, 2, "Reason", or_none(condition.value("reason", "")));
  field(out, 2, "Message", or_none(condition.value("message", "")));
  int64_t since = condition.value("since", int64_t{0});
  field(out, 2, "Since", since == 0 ? "<unknown>" : time_and_age(since, basis.now_ms));
  if (!basis.controller_leading) {
    out << "  (no controller holds the lease, so this verdict may be stale; Status above is "
           "judged by the heartbeat)\n";
  }
}

void print_node_cordon(const NodeView& node, const ReadinessBasis& basis, std::ostream& out) {
  field(out, 0, "Unschedulable", node.cordoned() ? "True" : "False");
  if (!node.cordon) {
    return;
  }
  int64_t since = node.cordon->value("since", int64_t{0});
  field(out, 0, "Cordoned",
        fmt::format("{}{}", since == 0 ? "<unknown>" : time_and_age(since, basis.now_ms),
                    node.draining() ? ", draining: its unpinned containers are being moved" : ""));
}

// Live copies run on the node, or are being deleted there. Evicted ones were moved elsewhere,
// and their old address stays held until the node confirms they are gone.
std::string copy_state(const nlohmann::json& assignment) {
  if (assignment.value("evicted", false)) {
    return "Evicted";
  }
  return assignment.value("deleting", false) ? "Deleting" : "Live";
}

void print_node_containers(const NodeView& node, std::ostream& out) {
  if (node.assignments.empty()) {
    field(out, 0, "Containers", "<none>");
    return;
  }
  out << "Containers:\n";
  Table table({"NAME", "IP", "POOL", "STATE", "HELD BY"});
  for (const auto& [container, assignment] : node.assignments) {
    table.add_row({container, or_none(assignment.value("ip", "")),
                   or_none(assignment.value("pool", "")), copy_state(assignment),
                   or_none(assignment.value("heldBy", ""))});
  }
  table.print(out, "  ");
}

int describe_node(const std::string& name, Context& context, std::ostream& out, std::ostream& err) {
  auto node = load_node(context.store(), name);
  if (!node) {
    return fail(err, node.error().message);
  }
  if (!node->has_value()) {
    err << not_found_message(Kind::kNode, name) << "\n";
    return 1;
  }
  auto basis = load_readiness_basis(context.store());
  if (!basis) {
    return fail(err, basis.error().message);
  }

  const NodeView& view = **node;
  int64_t now = basis->now_ms;
  auto row = node_row(view, true, *basis);  // NAME STATUS ADDRESS CONTAINERS AGE LABELS ...
  auto capacity_cpu = view.capacity("cpuMillis");
  auto capacity_memory = view.capacity("memoryBytes");
  field(out, 0, "Name", view.name);
  field(out, 0, "Kind", "Node");
  field(out, 0, "Labels", row[5]);
  field(out, 0, "Address", row[2]);
  field(out, 0, "Registered", created_text(view.record.value("registeredAt", ""), now));
  field(out, 0, "Capacity",
        fmt::format("cpu={} memory={}", capacity_cpu ? format_cpu(*capacity_cpu) : "<unknown>",
                    capacity_memory ? format_memory(*capacity_memory) : "<unknown>"));
  field(
      out, 0, "Allocated",
      fmt::format("cpu={} memory={} containers={}", format_cpu(view.allocated_amount("cpuMillis")),
                  format_memory(view.allocated_amount("memoryBytes")),
                  view.allocated_amount("containers")));
  field(out, 0, "Last Heartbeat",
        view.last_heartbeat_ms == 0 ? "<never>" : time_and_age(view.last_heartbeat_ms, now));
  field(out, 0, "Status", row[1]);
  print_node_condition(view, *basis, out);
  print_node_cordon(view, *basis, out);
  print_node_containers(view, out);
  return 0;
}

}  // namespace

int describe_command(const DescribeOptions& options, Context& context, std::ostream& out,
                     std::ostream& err) {
  auto kind = kind_from_resource_name(options.resource);
  if (!kind) {
    return fail(err, kind.error().message);
  }
  switch (*kind) {
    case Kind::kContainer:
      return describe_container(options.name, context, out, err);
    case Kind::kPool:
      return describe_pool(options.name, context, out, err);
    case Kind::kNode:
      return describe_node(options.name, context, out, err);
  }
  return 1;
}

}  // namespace raictl::cli
