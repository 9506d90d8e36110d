#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"
#include "raictl/context.h"

namespace raictl::cli {

struct NodeRemoveOptions {
  std::string node;
  bool force = false;  // remove a dead host together with the containers still assigned to it
};

// Removes a host that has no containers assigned: its record, heartbeat, stream, cordon,
// condition and the bridge addresses reserved for it on each pool. The other hosts drop its
// VXLAN peer entry on their next resync. Returns one line per address released. kConflict
// names the containers still assigned, and then nothing changes. kNotFound for a node that is
// not registered.
Result<std::vector<std::string>> remove_empty_node(const std::string& name, Context& context);

// `raictl node remove NODE [--force]`. Without --force, remove_empty_node. With --force, for
// a host that is gone for good: rejects the removal while the node looks alive (the controller
// reports it Ready, or its last heartbeat is younger than the cluster's grace). Otherwise drops
// everything of the node with its assignments, releases the addresses held for its evicted
// copies and its bridge addresses, and wakes the controller, which places the node's
// unpinned containers again. Prints each address released and each container dropped.
// Returns the exit code: 0, or 1 when it rejected the removal, an address could not be released or
// the store failed.
int node_remove_command(const NodeRemoveOptions& options, Context& context, std::ostream& out,
                        std::ostream& err);

}  // namespace raictl::cli
