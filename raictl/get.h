#pragma once

#include <atomic>
#include <ostream>
#include <string>

#include "raictl/context.h"

namespace raictl::cli {

struct GetOptions {
  std::string resource;           // containers, pools, nodes or an alias (kind_from_resource_name)
  std::string name;               // empty: every object of the kind
  std::string selector;           // -l key=value[,key=value]; empty: no filter
  std::string output;             // empty (table), wide, json, yaml or name
  bool watch = false;             // -w: follow container status changes after the table
  int watch_timeout_seconds = 0;  // stop watching after this long; 0: until `stop`
  const std::atomic<bool>* stop = nullptr;  // set by SIGINT; may be null
};

// `raictl get`: prints objects as a table, JSON, YAML or names. Returns the exit code: 0,
// also when nothing matched ("No resources found" on `err`), or 1 for an unknown name or a
// store error.
int get_command(const GetOptions& options, Context& context, std::ostream& out, std::ostream& err);

}  // namespace raictl::cli
