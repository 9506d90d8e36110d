#include "ipam/ipv4.h"

#include <fmt/format.h>

namespace raictl::ipam {

namespace {

Error invalid_address(std::string_view text, std::string_view reason) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("\"{}\" is not an IPv4 address: {}", text, reason));
}

}  // namespace

Result<Ipv4> Ipv4::parse(std::string_view text) {
  if (text.empty()) {
    return invalid_address(text, "the text is empty; expected four decimal octets like 10.0.0.1");
  }

  uint32_t value = 0;
  int octets = 0;
  size_t at = 0;

  while (true) {
    size_t end = text.find('.', at);
    std::string_view octet = text.substr(at, end == std::string_view::npos ? end : end - at);
    ++octets;
    if (octets > 4) {
      return invalid_address(text, "expected four decimal octets like 10.0.0.1");
    }
    if (octet.empty() || octet.size() > 3 ||
        octet.find_first_not_of("0123456789") != std::string_view::npos) {
      return invalid_address(text, fmt::format("octet \"{}\" is not a decimal number 0-255; "
                                               "expected four octets like 10.0.0.1",
                                               octet));
    }
    if (octet.size() > 1 && octet.front() == '0') {
      return invalid_address(
          text, fmt::format("octet \"{}\" has a leading zero; write it without one", octet));
    }

    int number = 0;
    for (char digit : octet) {
      number = number * 10 + (digit - '0');
    }
    if (number > 255) {
      return invalid_address(text, fmt::format("octet {} is out of range 0-255", number));
    }
    value = (value << 8) | static_cast<uint32_t>(number);

    if (end == std::string_view::npos) {
      break;
    }
    at = end + 1;
  }

  if (octets != 4) {
    return invalid_address(text, "expected four decimal octets like 10.0.0.1");
  }
  return Ipv4(value);
}

std::string Ipv4::to_string() const {
  return fmt::format("{}.{}.{}.{}", value_ >> 24, (value_ >> 16) & 0xff, (value_ >> 8) & 0xff,
                     value_ & 0xff);
}

}  // namespace raictl::ipam
