#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "raictl/context.h"

namespace raictl::cli {

struct ApplyOptions {
  std::vector<std::string> files;  // files, directories or "-" for stdin
  bool recursive = false;          // -R: read subdirectories of directories
  bool dry_run = false;            // print what would change, write nothing
};

// `raictl apply`: parses every manifest, checks every object against the store, and only
// when nothing failed writes pools (IPAM first, then the Pool object) and then containers.
// Prints one line per object (`container/web-1 configured`). Returns the exit code: 0, or 1
// after printing every problem to `err`, in which case nothing was written.
int apply_command(const ApplyOptions& options, Context& context, std::istream& in,
                  std::ostream& out, std::ostream& err);

}  // namespace raictl::cli
