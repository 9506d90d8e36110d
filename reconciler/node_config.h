#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.h"

// Checks of the node's own settings that the flag parser cannot make: capacity overrides,
// and the heartbeat interval against the cluster's grace.
namespace raictl::reconciler {

// The value of --cpus in millicores: a decimal number of CPUs ("2", "1.5") or millicores
// ("1500m"). Errors are kInvalidArgument and name the text and the fix.
Result<int64_t> parse_cpus_flag(std::string_view text);

// The value of --memory in bytes, in the notation of core/quantity.h ("2Gi", "1536Mi").
// Errors are kInvalidArgument and name the text and the fix.
Result<int64_t> parse_memory_flag(std::string_view text);

// The controller declares a host NotReady once its last heartbeat is older than the
// cluster's grace (setting nodeGraceMs). With fewer than three heartbeats per grace, one
// late or lost beat is enough to make a healthy host NotReady and to move its containers.
// Returns kInvalidArgument when `settings` has a nodeGraceMs less than 3 x `interval`, and
// kInternal when nodeGraceMs is not a number. No nodeGraceMs (no controller has run
// yet) passes.
Status check_heartbeat_interval(const nlohmann::json& settings, std::chrono::milliseconds interval);

}  // namespace raictl::reconciler
