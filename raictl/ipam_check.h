#pragma once

#include <ostream>

#include "raictl/context.h"

namespace raictl::cli {

// `raictl ipam check`: runs IPAM's own invariant check, then cross-checks IPAM against the
// store: every allocation belongs to an existing container with the same uid, no address
// appears in the statuses of two live containers, and each live container's status IP is
// its IPAM allocation. Then checks the assignments. Each evicted copy keeps its address held,
// and each "held/" reservation belongs to an evicted copy. No container has live copies on
// two nodes or disagrees with raictl:placements. No node has more requests allocated than
// its capacity.
//
// Expected states (addresses held for evicted copies, a status that still shows the held
// address) print as notes and do not fail the check. Prints `ipam check: OK (N allocations
// in M pools)` and returns 0, or prints one line per problem and returns 1.
//
// The reads are not one snapshot: a move or a removal confirmed while the check runs can show
// up as a missing or orphaned hold, which a second run no longer reports.
int ipam_check_command(Context& context, std::ostream& out, std::ostream& err);

}  // namespace raictl::cli
