#pragma once

#include <string>

// The Lua source of every IPAM operation that changes state. Each operation is one script,
// so Redis runs all of its reads and writes without any other command in between, and a
// client that dies mid-operation leaves either all of it or none of it. Every script checks
// everything before its first write, because Redis does not roll back the writes of a
// script that fails halfway.
//
// Errors come back as "RAICTL <CODE> <message>" (see core/redis_client.h). Keys and
// arguments of each script are listed at its definition in lua_scripts.cc.
namespace raictl::ipam::scripts {

std::string create_pool();
std::string delete_pool();
std::string allocate();
std::string release();
std::string reserve();
std::string reserve_next();
std::string unreserve();
std::string hold();
std::string unhold();

}  // namespace raictl::ipam::scripts
