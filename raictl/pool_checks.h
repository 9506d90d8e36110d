#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/objects.h"
#include "core/result.h"
#include "ipam/ipam.h"
#include "ipam/pool_layout.h"

namespace raictl::cli {

// Semantic checks that need more than one manifest document or the store: the ones that
// `raictl apply` and `raictl run` run before writing anything.

// Converts a manifest's pool into IPAM's spec. kInvalidArgument names the pool and the
// address or CIDR that does not parse.
Result<ipam::PoolSpec> to_ipam_spec(const std::string& name, const PoolSpec& spec);

// Converts and validates a manifest's pool as IPAM would at create time.
Result<ipam::PoolLayout> plan_manifest_pool(const std::string& name, const PoolSpec& spec);

// The layouts of every pool IPAM holds, by name.
Result<std::map<std::string, ipam::PoolLayout>> load_pool_layouts(ipam::Ipam& ipam);

// True when two layouts define the same addresses: CIDR, gateway, range and exclusions.
bool same_pool_definition(const ipam::PoolLayout& a, const ipam::PoolLayout& b);

// Checks a container's requested address against its pool: inside the CIDR and the
// allocation range, and not the gateway, the network or broadcast address, or excluded.
Status check_requested_ip(const std::string& ip, const ipam::PoolLayout& layout);

// Checks that spec.pool, spec.ip and spec.node of an existing container keep their stored
// values: the controller placed the container and allocated its address from them.
Status check_immutable_fields(const std::string& name, const nlohmann::json& stored_spec,
                              const ContainerSpec& spec);

// Checks a container against the pools it can use: its pool exists and its requested
// address fits that pool.
Status check_container_pool(const std::string& name, const ContainerSpec& spec,
                            const std::map<std::string, ipam::PoolLayout>& pools);

}  // namespace raictl::cli
