#include "raictl/cordon.h"

#include "core/log.h"
#include "raictl/node_view.h"

namespace raictl::cli {

namespace {

// Whether the node has a cordon record, with or without a drain.
Result<bool> is_cordoned(Store& store, const std::string& node) {
  auto cordons = store.cordons();
  if (!cordons) {
    return cordons.error();
  }
  return cordons->contains(node);
}

}  // namespace

int cordon_command(const std::string& node, Context& context, std::ostream& out,
                   std::ostream& err) {
  if (auto registered = require_registered_node(context.store(), node); !registered) {
    return fail(err, registered.error().message);
  }
  auto cordoned = is_cordoned(context.store(), node);
  if (!cordoned) {
    return fail(err, cordoned.error().message);
  }
  // Rewriting an existing cordon would reset its time and could end a drain in progress.
  if (*cordoned) {
    out << "node/" << node << " already cordoned\n";
    return 0;
  }

  if (auto written = context.store().cordon(node, false); !written) {
    return fail(err, written.error().message);
  }
  if (auto notified = context.store().notify_controller("node", node); !notified) {
    return fail(err, notified.error().message);
  }
  component_logger("raictl")->debug("node={} cordoned", node);
  out << "node/" << node << " cordoned\n";
  return 0;
}

int uncordon_command(const std::string& node, Context& context, std::ostream& out,
                     std::ostream& err) {
  if (auto registered = require_registered_node(context.store(), node); !registered) {
    return fail(err, registered.error().message);
  }
  auto cordoned = is_cordoned(context.store(), node);
  if (!cordoned) {
    return fail(err, cordoned.error().message);
  }
  if (!*cordoned) {
    out << "node/" << node << " already uncordoned\n";
    return 0;
  }

  if (auto removed = context.store().uncordon(node); !removed) {
    return fail(err, removed.error().message);
  }
  if (auto notified = context.store().notify_controller("node", node); !notified) {
    return fail(err, notified.error().message);
  }
  component_logger("raictl")->debug("node={} uncordoned", node);
  out << "node/" << node << " uncordoned\n";
  return 0;
}

}  // namespace raictl::cli
