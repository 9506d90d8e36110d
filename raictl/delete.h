#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "raictl/context.h"

namespace raictl::cli {

struct DeleteOptions {
  std::vector<std::string> files;  // -f: delete the objects these manifests name
  bool recursive = false;          // -R, as for apply
  std::string resource;            // KIND, when no -f is given
  std::vector<std::string> names;  // NAME...
  bool wait = false;               // poll until the objects are gone
  int timeout_seconds = 60;        // how long --wait polls
};

// `raictl delete`: requests deletion of containers (the controller and the node finish it
// and the IP is released once the node confirms), deletes pools that no container uses and
// removes nodes that have no containers assigned (as `raictl node remove` without --force). Names
// that do not exist are reported as NotFound and the others are still deleted. Returns the exit
// code: 0, or 1 when a name was missing, a pool was in use, --wait timed out or the store failed.
int delete_command(const DeleteOptions& options, Context& context, std::istream& in,
                   std::ostream& out, std::ostream& err);

}  // namespace raictl::cli
