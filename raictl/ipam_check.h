#pragma once

#include <ostream>

#include "raictl/context.h"

namespace raictl::cli {

// `raictl ipam check`: runs IPAM's own invariant check, then cross-checks IPAM against the
// store: every allocation belongs to an existing container with the same uid, no address
// appears in the statuses of two live containers, and each live container's status IP is
// its IPAM allocation. Prints `ipam check: OK (N allocations in M pools)` and returns 0, or
// prints one line per problem and returns 1.
int ipam_check_command(Context& context, std::ostream& out, std::ostream& err);

}  // namespace raictl::cli
