#pragma once

#include <ostream>
#include <string>

#include "raictl/context.h"

namespace raictl::cli {

struct DescribeOptions {
  std::string resource;  // container, pool or node, or an alias
  std::string name;
};

// `raictl describe`: prints one object in kubectl's sectioned layout, with its events
// (containers), allocations (pools) or assigned containers (nodes). Returns the exit code:
// 0, or 1 for an unknown name or a store error.
int describe_command(const DescribeOptions& options, Context& context, std::ostream& out,
                     std::ostream& err);

}  // namespace raictl::cli
