#include "ipam/pool_layout.h"

#include <fmt/format.h>

#include <algorithm>

namespace raictl::ipam {

namespace {

Error invalid_pool(const PoolSpec& spec, const std::string& reason) {
  return make_error(ErrorCode::kInvalidArgument, fmt::format("pool \"{}\": {}", spec.name, reason));
}

Status check_prefix(const PoolSpec& spec) {
  int prefix = spec.cidr.prefix();
  if (prefix > kSmallestPoolPrefix) {
    return invalid_pool(spec, fmt::format("{} is too small: /31 and /32 leave no address to "
                                          "hand out; use /{} or larger",
                                          spec.cidr.to_string(), kSmallestPoolPrefix));
  }
  if (prefix < kLargestPoolPrefix) {
    return invalid_pool(spec, fmt::format("{} is too large: the largest pool is /{}; split it "
                                          "into several pools",
                                          spec.cidr.to_string(), kLargestPoolPrefix));
  }
  return Status::Ok();
}

Result<Ipv4> choose_gateway(const PoolSpec& spec) {
  Ipv4 network = spec.cidr.network();
  if (!spec.gateway) {
    return Ipv4(network.value() + 1);
  }

  Ipv4 gateway = *spec.gateway;
  std::string text = gateway.to_string();
  if (!spec.cidr.contains(gateway)) {
    return invalid_pool(spec, fmt::format("gateway {} is outside {}", text, spec.cidr.to_string()));
  }
  if (gateway == network) {
    return invalid_pool(
        spec, fmt::format("gateway {} is the network address of {}; use a "
                          "usable address such as {}",
                          text, spec.cidr.to_string(), Ipv4(network.value() + 1).to_string()));
  }
  if (gateway == spec.cidr.broadcast()) {
    return invalid_pool(
        spec, fmt::format("gateway {} is the broadcast address of {}; use a "
                          "usable address such as {}",
                          text, spec.cidr.to_string(), Ipv4(network.value() + 1).to_string()));
  }
  return gateway;
}

std::vector<OffsetRange> merge_ranges(std::vector<OffsetRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const OffsetRange& a, const OffsetRange& b) { return a.first < b.first; });

  std::vector<OffsetRange> merged;
  for (const auto& range : ranges) {
    // Ranges that touch merge too, so that the stored list stays short.
    if (!merged.empty() && uint64_t{range.first} <= uint64_t{merged.back().last} + 1) {
      merged.back().last = std::max(merged.back().last, range.last);
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

uint32_t count_blocked(const std::vector<OffsetRange>& blocked, uint32_t first, uint32_t last) {
  uint32_t count = 0;
  for (const auto& range : blocked) {
    uint32_t from = std::max(range.first, first);
    uint32_t to = std::min(range.last, last);
    if (from <= to) {
      count += to - from + 1;
    }
  }
  return count;
}

}  // namespace

bool PoolLayout::is_blocked(uint32_t offset) const {
  auto after = std::upper_bound(
      blocked.begin(), blocked.end(), offset,
      [](uint32_t value, const OffsetRange& range) { return value < range.first; });
  return after != blocked.begin() && std::prev(after)->last >= offset;
}

Status validate_pool_name(std::string_view name) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  bool ok = !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), allowed) &&
            name.front() != '.' && name.front() != '_' && name.front() != '-';
  if (!ok) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("invalid pool name \"{}\": use 1-63 letters, digits, '.', '_' "
                                  "or '-', starting with a letter or digit",
                                  name));
  }
  return Status::Ok();
}

Result<Cidr> parse_exclusion(std::string_view text) {
  if (text.find('/') != std::string_view::npos) {
    return Cidr::parse(text);
  }
  auto address = Ipv4::parse(text);
  if (!address) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("invalid exclusion \"{}\": {}; write an address like 10.0.0.7 "
                                  "or a CIDR like 10.0.0.64/26",
                                  text, address.error().message));
  }
  return Cidr::single(*address);
}

std::string exclusion_to_string(const Cidr& exclusion) {
  return exclusion.prefix() == 32 ? exclusion.network().to_string() : exclusion.to_string();
}

Result<PoolLayout> plan_pool(const PoolSpec& spec) {
  if (auto status = validate_pool_name(spec.name); !status) {
    return status.error();
  }
  if (auto status = check_prefix(spec); !status) {
    return status.error();
  }

  auto gateway = choose_gateway(spec);
  if (!gateway) {
    return gateway.error();
  }

  Cidr range = spec.range.value_or(spec.cidr);
  if (!spec.cidr.contains(range)) {
    return invalid_pool(spec, fmt::format("range {} is outside {}; the allocation range must lie "
                                          "inside the pool's CIDR",
                                          range.to_string(), spec.cidr.to_string()));
  }

  PoolLayout layout;
  layout.name = spec.name;
  layout.cidr = spec.cidr;
  layout.gateway = *gateway;
  layout.range = range;

  uint32_t broadcast = static_cast<uint32_t>(spec.cidr.size() - 1);
  std::vector<OffsetRange> blocked = {{0, 0}, {broadcast, broadcast}};
  uint32_t gateway_offset = layout.offset_of(*gateway);
  blocked.push_back({gateway_offset, gateway_offset});
  for (const auto& exclusion : spec.exclude) {
    if (!spec.cidr.contains(exclusion)) {
      return invalid_pool(spec, fmt::format("exclusion {} is outside {}",
                                            exclusion_to_string(exclusion), spec.cidr.to_string()));
    }
    uint32_t first = layout.offset_of(exclusion.network());
    blocked.push_back({first, first + static_cast<uint32_t>(exclusion.size() - 1)});
  }
  layout.blocked = merge_ranges(std::move(blocked));

  // A range that covers the network or broadcast address starts after it or ends before it,
  // because both are blocked. A range that is only one of them is empty.
  layout.first = std::max<uint32_t>(layout.offset_of(range.network()), 1);
  layout.last = std::min(layout.offset_of(range.broadcast()), broadcast - 1);
  layout.capacity = layout.first > layout.last
                        ? 0
                        : layout.last - layout.first + 1 -
                              count_blocked(layout.blocked, layout.first, layout.last);
  if (layout.capacity == 0) {
    return invalid_pool(spec, fmt::format("no address is left to hand out in range {}: the "
                                          "network, broadcast and gateway addresses and the "
                                          "exclusions cover all of it",
                                          range.to_string()));
  }
  return layout;
}

}  // namespace raictl::ipam
