#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/objects.h"
#include "core/result.h"
#include "raictl/context.h"

namespace raictl::cli {

struct RunOptions {
  std::string name;
  std::string image;
  std::string node;
  std::string ip;
  std::string pool;                  // empty: the default pool
  std::string restart;               // empty: Always
  std::vector<std::string> labels;   // KEY=VALUE each
  std::vector<std::string> env;      // NAME=VALUE each
  std::string cpu;                   // for example "250m"
  std::string memory;                // for example "64Mi"
  std::vector<std::string> command;  // the arguments after `--`
};

// Builds the Container that `raictl run` creates and validates it with the manifest
// parser's rules, so that a bad value gets the message a manifest would get. Does not touch
// the store. kInvalidArgument lists every problem, one per line.
Result<Object> build_run_container(const RunOptions& options);

// `raictl run`: creates one container. An existing name is an error; `run` never updates.
// Returns the exit code: 0, or 1 after printing the problem to `err`.
int run_command(const RunOptions& options, Context& context, std::ostream& out, std::ostream& err);

}  // namespace raictl::cli
