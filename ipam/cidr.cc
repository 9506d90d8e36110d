#include "ipam/cidr.h"

#include <fmt/format.h>

namespace raictl::ipam {

namespace {

uint32_t netmask(int prefix) {
  return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
}

Error invalid_cidr(std::string_view text, std::string_view reason) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("invalid CIDR \"{}\": {}", text, reason));
}

}  // namespace

Result<Cidr> Cidr::parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return invalid_cidr(text, "missing the prefix length; write it like 10.0.0.0/24");
  }

  auto address = Ipv4::parse(text.substr(0, slash));
  if (!address) {
    return invalid_cidr(text, address.error().message);
  }

  std::string_view prefix_text = text.substr(slash + 1);
  if (prefix_text.empty() || prefix_text.size() > 2 ||
      prefix_text.find_first_not_of("0123456789") != std::string_view::npos) {
    return invalid_cidr(text,
                        fmt::format("prefix length \"{}\" is not a number 0-32", prefix_text));
  }
  int prefix = 0;
  for (char digit : prefix_text) {
    prefix = prefix * 10 + (digit - '0');
  }
  if (prefix > 32) {
    return invalid_cidr(text, fmt::format("prefix length {} is out of range 0-32", prefix));
  }

  uint32_t network = address->value() & netmask(prefix);
  if (network != address->value()) {
    Cidr meant(Ipv4(network), prefix);
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("{} has host bits set; did you mean {}?", text, meant.to_string()));
  }
  return Cidr(*address, prefix);
}

bool Cidr::contains(Ipv4 address) const {
  return (address.value() & netmask(prefix_)) == network_.value();
}

bool Cidr::contains(const Cidr& other) const {
  return other.prefix_ >= prefix_ && contains(other.network_);
}

bool Cidr::overlaps(const Cidr& other) const {
  return contains(other) || other.contains(*this);
}

std::string Cidr::to_string() const {
  return fmt::format("{}/{}", network_.to_string(), prefix_);
}

}  // namespace raictl::ipam
