#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ipam/cidr.h"
#include "ipam/ipv4.h"

namespace raictl::ipam {

// The smallest and largest pools. /31 and /32 have no address left once the network and
// broadcast addresses are taken; /8 (16,777,216 addresses) keeps a pool's bitmap at 2 MiB.
inline constexpr int kSmallestPoolPrefix = 30;
inline constexpr int kLargestPoolPrefix = 8;

// A pool as an operator defines it.
struct PoolSpec {
  std::string name;
  Cidr cidr;
  std::optional<Ipv4> gateway;  // default: the first usable address of cidr
  std::optional<Cidr> range;    // where addresses are handed out; default: all of cidr
  std::vector<Cidr> exclude;    // never handed out; a single address is a /32

  bool operator==(const PoolSpec&) const = default;
};

// An inclusive range of offsets from the pool's network address.
struct OffsetRange {
  uint32_t first = 0;
  uint32_t last = 0;

  bool operator==(const OffsetRange&) const = default;
};

// A validated pool, in offsets from its network address: bit i of the pool's bitmap is
// the address network + i.
struct PoolLayout {
  std::string name;
  Cidr cidr;
  Ipv4 gateway;
  Cidr range;          // the allocation range; cidr itself when the spec has none
  uint32_t first = 0;  // the first and last offsets allocation searches, inclusive
  uint32_t last = 0;
  // Offsets that are never handed out: network, broadcast, gateway and exclusions, sorted
  // and merged so that no two ranges touch.
  std::vector<OffsetRange> blocked;
  uint32_t capacity = 0;  // offsets in [first, last] that are not blocked

  uint64_t size() const { return cidr.size(); }
  Ipv4 address_at(uint32_t offset) const { return Ipv4(cidr.network().value() + offset); }
  uint32_t offset_of(Ipv4 address) const { return address.value() - cidr.network().value(); }
  bool is_blocked(uint32_t offset) const;
  bool in_range(uint32_t offset) const { return offset >= first && offset <= last; }
};

// Validates a spec without touching Redis and computes its layout. kInvalidArgument names
// the pool and the value at fault: a bad name, a prefix outside /8 to /30, a gateway,
// range or exclusion outside the CIDR, or a range that exclusions leave empty.
Result<PoolLayout> plan_pool(const PoolSpec& spec);

// Checks a pool name: 1-63 letters, digits, '.', '_' or '-', starting with a letter or
// digit. The name becomes part of Redis keys, so ':' and spaces are rejected.
Status validate_pool_name(std::string_view name);

// Parses an exclusion: a CIDR ("10.0.0.64/26") or a single address ("10.0.0.7", a /32).
Result<Cidr> parse_exclusion(std::string_view text);

// Formats an exclusion back: a /32 as its address, anything else as a CIDR.
std::string exclusion_to_string(const Cidr& exclusion);

}  // namespace raictl::ipam
