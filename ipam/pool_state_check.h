#pragma once

#include <map>
#include <string>
#include <vector>

namespace raictl::ipam {

// The stored state of one pool, as read from Redis in one transaction.
struct PoolSnapshot {
  std::string name;
  std::map<std::string, std::string> fields;        // the pool hash
  std::string bitmap;                               // the bitmap string
  std::map<std::string, std::string> owners;        // address -> JSON {kind, name, uid}
  std::map<std::string, std::string> reservations;  // address -> holder
};

// The whole IPAM state, as read from Redis in one transaction.
struct IpamSnapshot {
  std::map<std::string, std::string> pools;  // the pools index: name -> CIDR
  std::map<std::string, std::string> names;  // "kind/name" -> JSON {pool, address, uid}
  std::vector<PoolSnapshot> pool_states;     // one per entry of the index that has a hash
};

// Checks the IPAM invariants and returns every violation as one readable line naming the
// pool and the address:
// - the stored definition is valid and its stored layout (first, last, capacity) matches;
// - the bitmap has one bit per address of the CIDR;
// - every set bit is the network, broadcast or gateway address, an exclusion, or has
//   exactly one allocation or reservation record, and every record has its bit set;
// - allocations lie in the allocation range and each matches its entry in the name index,
//   and every name index entry points to a matching allocation;
// - no owner holds two addresses and no address is both allocated and reserved;
// - the used, reserved and reserved_in_range counters match the records, and the cursor
//   lies in the allocation range;
// - index entries have a pool hash with the same CIDR, and no two pools overlap.
// Lists at most 100 bit mismatches per pool, followed by a count of the rest.
std::vector<std::string> check_ipam_state(const IpamSnapshot& snapshot);

}  // namespace raictl::ipam
