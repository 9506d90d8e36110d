#pragma once

#include <string>

namespace raictl::ipam::keys {

// Every IPAM key starts with this prefix; docs/ipam.md describes each key, its type and
// its fields.
inline constexpr const char* kPrefix = "raictl:ipam:";

// HASH pool name -> CIDR: the list of pools, read by the overlap check.
inline std::string pools() {
  return std::string(kPrefix) + "pools";
}

// HASH "kind/name" -> JSON {pool, address, uid}: the cluster-wide owner name index.
inline std::string names() {
  return std::string(kPrefix) + "names";
}

// HASH: the pool's definition, layout and counters.
inline std::string pool(const std::string& name) {
  return std::string(kPrefix) + "pool:" + name;
}

// STRING: one bit per address of the pool's CIDR, set when the address is not free.
inline std::string bitmap(const std::string& name) {
  return pool(name) + ":bitmap";
}

// HASH address -> JSON {kind, name, uid}: the pool's allocations.
inline std::string owners(const std::string& name) {
  return pool(name) + ":owners";
}

// HASH address -> holder: the pool's reservations.
inline std::string reservations(const std::string& name) {
  return pool(name) + ":reserved";
}

}  // namespace raictl::ipam::keys
