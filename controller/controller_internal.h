#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "controller/scheduler.h"
#include "core/log.h"
#include "core/store.h"
#include "ipam/owner.h"

// Shared by the files that implement Controller. Internal to controller/.
namespace raictl::controller {

inline constexpr const char* kContainer = "Container";
inline constexpr const char* kSource = "raictl-controller";

std::shared_ptr<spdlog::logger> logger();

// The IPAM owner of a container's address: one per container uid, whichever host runs it.
ipam::Owner owner_of(const ObjectRecord& object);
std::string pool_of(const ObjectRecord& object);

// The parts of a spec that constrain placement. The CLI validated the quantities before
// they were stored.
PlacementRequest placement_request(const nlohmann::json& spec);

// The copy an assignment describes: its assignment uid, or the container uid for entries
// written before assignment uids existed.
std::string copy_id(const nlohmann::json& assignment);

// The reservation holder of an evicted copy's old address.
std::string held_holder(const std::string& node, const std::string& name);

const char* scoring_name(ScoringPolicy policy);

}  // namespace raictl::controller
