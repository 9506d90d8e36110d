#pragma once

#include <atomic>
#include <ostream>
#include <string>

#include "raictl/context.h"
#include "raictl/selector.h"

namespace raictl::cli {

// The id of the newest entry of the container status stream, or "0-0" when it is empty.
// Taken before `get --watch` reads the table, so that no change between the read and the
// first XREAD is lost.
Result<std::string> status_stream_position(RedisClient& client);

struct WatchOptions {
  std::string name;  // empty: every container matching `selector`
  LabelSelector selector;
  std::string output;       // "", wide, json, yaml or name, as for `get`
  int timeout_seconds = 0;  // 0: until `stop`
  const std::atomic<bool>* stop = nullptr;
};

// Follows the container status stream from `position` and prints the container's row again
// each time its status changes, until `stop` is set or the timeout passes. Returns the exit
// code: 0, or 1 when the store fails.
int follow_container_status(const WatchOptions& options, std::string position, Context& context,
                            std::ostream& out, std::ostream& err);

}  // namespace raictl::cli
