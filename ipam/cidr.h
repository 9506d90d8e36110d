#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ipam/ipv4.h"

namespace raictl::ipam {

// An IPv4 network in CIDR notation ("10.0.0.0/24"). Always canonical: the host bits of
// the network address are zero, because parse() rejects anything else.
class Cidr {
 public:
  Cidr() = default;

  // Parses "a.b.c.d/prefix" with a prefix length of 0-32. kInvalidArgument names the text,
  // and when host bits are set, it names the network that was probably meant.
  static Result<Cidr> parse(std::string_view text);

  // The /32 network of one address.
  static Cidr single(Ipv4 address) { return Cidr(address, 32); }

  Ipv4 network() const { return network_; }
  int prefix() const { return prefix_; }
  uint64_t size() const { return uint64_t{1} << (32 - prefix_); }
  Ipv4 broadcast() const { return Ipv4(network_.value() + static_cast<uint32_t>(size() - 1)); }

  bool contains(Ipv4 address) const;
  bool contains(const Cidr& other) const;
  bool overlaps(const Cidr& other) const;

  std::string to_string() const;

  bool operator==(const Cidr&) const = default;

 private:
  Cidr(Ipv4 network, int prefix) : network_(network), prefix_(prefix) {}

  Ipv4 network_;
  int prefix_ = 32;
};

}  // namespace raictl::ipam
