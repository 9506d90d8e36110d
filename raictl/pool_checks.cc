#include "raictl/pool_checks.h"

#include "fmt/format.h"
#include "ipam/cidr.h"
#include "ipam/ipv4.h"

namespace raictl::cli {

namespace {

Error invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

std::string stored_field(const nlohmann::json& spec, const char* field) {
  auto it = spec.find(field);
  return it != spec.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<ipam::PoolSpec> to_ipam_spec(const std::string& name, const PoolSpec& spec) {
  ipam::PoolSpec out;
  out.name = name;

  auto cidr = ipam::Cidr::parse(spec.cidr);
  if (!cidr) {
    return invalid(fmt::format("pool \"{}\": spec.cidr: {}", name, cidr.error().message));
  }
  out.cidr = *cidr;

  if (!spec.gateway.empty()) {
    auto gateway = ipam::Ipv4::parse(spec.gateway);
    if (!gateway) {
      return invalid(fmt::format("pool \"{}\": spec.gateway: {}", name, gateway.error().message));
    }
    out.gateway = *gateway;
  }

  if (!spec.range.empty()) {
    auto range = ipam::Cidr::parse(spec.range);
    if (!range) {
      return invalid(fmt::format("pool \"{}\": spec.range: {}", name, range.error().message));
    }
    out.range = *range;
  }

  for (const auto& text : spec.exclude) {
    auto exclusion = ipam::parse_exclusion(text);
    if (!exclusion) {
      return invalid(fmt::format("pool \"{}\": spec.exclude: {}", name, exclusion.error().message));
    }
    out.exclude.push_back(*exclusion);
  }
  return out;
}

Result<ipam::PoolLayout> plan_manifest_pool(const std::string& name, const PoolSpec& spec) {
  auto converted = to_ipam_spec(name, spec);
  if (!converted) {
    return converted.error();
  }
  return ipam::plan_pool(*converted);
}

Result<std::map<std::string, ipam::PoolLayout>> load_pool_layouts(ipam::Ipam& ipam) {
  auto pools = ipam.list_pools();
  if (!pools) {
    return pools.error();
  }

  std::map<std::string, ipam::PoolLayout> layouts;
  for (const auto& pool : *pools) {
    auto layout = ipam::plan_pool(pool);
    if (!layout) {
      return make_error(ErrorCode::kInternal,
                        fmt::format("stored pool \"{}\" is invalid: {}; run raictl ipam check",
                                    pool.name, layout.error().message));
    }
    layouts.emplace(pool.name, std::move(layout).value());
  }
  return layouts;
}

bool same_pool_definition(const ipam::PoolLayout& a, const ipam::PoolLayout& b) {
  return a.cidr == b.cidr && a.gateway == b.gateway && a.range == b.range && a.blocked == b.blocked;
}

Status check_requested_ip(const std::string& ip, const ipam::PoolLayout& layout) {
  auto address = ipam::Ipv4::parse(ip);
  if (!address) {
    return invalid(fmt::format("spec.ip: {}", address.error().message));
  }

  if (!layout.cidr.contains(*address)) {
    return invalid(fmt::format("spec.ip {} is outside pool \"{}\" ({}); choose an address of {}",
                               ip, layout.name, layout.cidr.to_string(), layout.cidr.to_string()));
  }
  uint32_t offset = layout.offset_of(*address);
  if (!layout.in_range(offset)) {
    return invalid(fmt::format(
        "spec.ip {} is outside the allocation range {} of pool \"{}\"; choose an address of {}", ip,
        layout.range.to_string(), layout.name, layout.range.to_string()));
  }
  if (*address == layout.gateway) {
    return invalid(fmt::format("spec.ip {} is the gateway of pool \"{}\"; choose another address",
                               ip, layout.name));
  }
  if (*address == layout.cidr.network() || *address == layout.cidr.broadcast()) {
    return invalid(fmt::format(
        "spec.ip {} is the network or broadcast address of pool \"{}\" ({}); choose another "
        "address",
        ip, layout.name, layout.cidr.to_string()));
  }
  if (layout.is_blocked(offset)) {
    return invalid(fmt::format(
        "spec.ip {} is excluded from pool \"{}\" by spec.exclude; choose another address", ip,
        layout.name));
  }
  return Status::Ok();
}

Status check_immutable_fields(const std::string& name, const nlohmann::json& stored_spec,
                              const ContainerSpec& spec) {
  struct Field {
    const char* json_name;
    const std::string& requested;
  };
  const Field fields[] = {{"pool", spec.pool}, {"ip", spec.ip}, {"node", spec.node}};

  for (const auto& field : fields) {
    std::string stored = stored_field(stored_spec, field.json_name);
    if (stored != field.requested) {
      return invalid(fmt::format(
          "container \"{}\": spec.{} cannot change from \"{}\" to \"{}\"; delete and re-create it",
          name, field.json_name, stored, field.requested));
    }
  }
  return Status::Ok();
}

Status check_container_pool(const std::string& name, const ContainerSpec& spec,
                            const std::map<std::string, ipam::PoolLayout>& pools) {
  auto pool = pools.find(spec.pool);
  if (pool == pools.end()) {
    return invalid(fmt::format(
        "container \"{}\": spec.pool \"{}\" does not exist; create the pool first or apply it "
        "in the same file",
        name, spec.pool));
  }
  if (spec.ip.empty()) {
    return Status::Ok();
  }
  if (auto valid = check_requested_ip(spec.ip, pool->second); !valid) {
    return invalid(fmt::format("container \"{}\": {}", name, valid.error().message));
  }
  return Status::Ok();
}

}  // namespace raictl::cli
