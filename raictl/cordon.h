#pragma once

#include <ostream>
#include <string>

#include "raictl/context.h"

namespace raictl::cli {

// `raictl cordon NODE`: marks a registered node unschedulable, so the controller places no
// new containers there; the ones it runs stay. Prints `node/NODE cordoned`, or `already
// cordoned` and changes nothing. Returns the exit code: 0, or 1 for a node that is not
// registered or a store error.
int cordon_command(const std::string& node, Context& context, std::ostream& out, std::ostream& err);

// `raictl uncordon NODE`: makes the node schedulable again and ends a drain in progress.
// Prints `node/NODE uncordoned` or `already uncordoned`. Exit codes as for cordon.
int uncordon_command(const std::string& node, Context& context, std::ostream& out,
                     std::ostream& err);

}  // namespace raictl::cli
