#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/redis_client.h"
#include "core/result.h"

// Shared by the files that implement Store. Internal to core/.
namespace raictl::store_internal {

// Lua sources of the scripts that live outside store.cc.
std::string commit_assignment_script();
std::string mark_removal_script();
std::string remove_assignment_script();
std::string repair_node_index_script();
std::string forget_node_script();
std::string heartbeat_script();

// HGETALL of a hash whose values are JSON; a value that does not parse is kInternal.
Result<std::map<std::string, nlohmann::json>> read_json_hash(RedisClient& client,
                                                             const std::string& key);

}  // namespace raictl::store_internal
