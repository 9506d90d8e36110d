#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace raictl {

// Returns the named logger of one component ("ipam", "docker", "controller", "node"),
// creating it on first use. Every logger writes to stderr with the same pattern, and the
// level comes from RAICTL_LOG_LEVEL (trace, debug, info, warn, error; default info).
// Thread-safe.
std::shared_ptr<spdlog::logger> component_logger(const std::string& component);

}  // namespace raictl
