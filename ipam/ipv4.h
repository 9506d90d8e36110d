#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace raictl::ipam {

// An IPv4 address as a host-order 32-bit number, so that address arithmetic
// (network + offset) is plain integer arithmetic.
class Ipv4 {
 public:
  constexpr Ipv4() = default;
  constexpr explicit Ipv4(uint32_t value) : value_(value) {}

  // Parses dotted-quad text ("10.0.0.1"). Octets are decimal 0-255 without leading zeros,
  // because tools disagree on whether "010" is octal. kInvalidArgument names the text and
  // the reason.
  static Result<Ipv4> parse(std::string_view text);

  constexpr uint32_t value() const { return value_; }
  std::string to_string() const;

  constexpr auto operator<=>(const Ipv4&) const = default;

 private:
  uint32_t value_ = 0;
};

}  // namespace raictl::ipam
