#include "ipam/ipam.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/log.h"
#include "ipam/keys.h"
#include "ipam/lua_scripts.h"
#include "ipam/pool_record.h"
#include "ipam/pool_state_check.h"

namespace raictl::ipam {

namespace {

// check() reads the pool list and then snapshots every pool in one transaction. A pool
// created or deleted in between makes it start again, at most this many times.
constexpr int kCheckAttempts = 5;

spdlog::logger& logger() {
  static auto instance = component_logger("ipam");
  return *instance;
}

// Expected outcomes (a full pool, a taken name) are the caller's to report; failures of
// Redis itself are logged here as well.
void log_failure(const char* operation, const std::string& ids, const Error& error) {
  if (error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kInternal) {
    logger().warn("{} {} failed: {}", ids, operation, error.message);
  } else {
    logger().debug("{} {} rejected: {}", ids, operation, error.message);
  }
}

Result<Ipv4> address_from_reply(const RedisReply& reply) {
  auto address = Ipv4::parse(reply.text);
  if (!address) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("IPAM script returned \"{}\" instead of an address: {}",
                                  reply.text, address.error().message));
  }
  return address;
}

Error missing_pool(const std::string& name) {
  return make_error(
      ErrorCode::kNotFound,
      fmt::format("pool \"{}\" does not exist; create it first or check the name", name));
}

std::string owner_ids(const std::string& pool, const Owner& owner) {
  return fmt::format("pool={} owner={} uid={}", pool, owner.key(), owner.uid);
}

Status validate_owner_call(const std::string& pool, const Owner& owner) {
  if (auto status = validate_pool_name(pool); !status) {
    return status;
  }
  return validate_owner(owner);
}

Status validate_holder_call(const std::string& pool, const std::string& holder) {
  if (auto status = validate_pool_name(pool); !status) {
    return status;
  }
  return validate_holder(holder);
}

}  // namespace

Ipam::Ipam(RedisClient& client)
    : client_(client),
      create_pool_(scripts::create_pool()),
      delete_pool_(scripts::delete_pool()),
      allocate_(scripts::allocate()),
      release_(scripts::release()),
      reserve_(scripts::reserve()),
      reserve_next_(scripts::reserve_next()),
      unreserve_(scripts::unreserve()),
      hold_(scripts::hold()),
      unhold_(scripts::unhold()) {}

Result<RedisReply> Ipam::run(LuaScript& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args, bool retry_once) {
  auto reply = script.run(client_, keys, args);
  if (!reply && reply.code() == ErrorCode::kUnavailable && retry_once) {
    // The connection reconnects on the next command, so one more try survives a Redis
    // restart. Only operations whose repetition changes nothing get here.
    logger().info("key={} retrying once after: {}", keys.front(), reply.error().message);
    reply = script.run(client_, keys, args);
  }
  return reply;
}

Result<PoolLayout> Ipam::create_pool(const PoolSpec& spec) {
  auto layout = plan_pool(spec);
  if (!layout) {
    return layout.error();
  }

  std::vector<std::string> args = {
      spec.name,
      spec.cidr.to_string(),
      layout->gateway.to_string(),
      spec.range ? spec.range->to_string() : "",
      exclusions_to_text(spec.exclude),
      std::to_string(spec.cidr.network().value()),
      std::to_string(layout->size()),
      std::to_string(layout->first),
      std::to_string(layout->last),
      std::to_string(layout->capacity),
  };
  for (const auto& range : layout->blocked) {
    args.push_back(std::to_string(range.first));
    args.push_back(std::to_string(range.last));
  }

  auto reply = run(create_pool_,
                   {keys::pools(), keys::pool(spec.name), keys::bitmap(spec.name),
                    keys::owners(spec.name), keys::reservations(spec.name)},
                   args, false);
  std::string ids = fmt::format("pool={} cidr={}", spec.name, spec.cidr.to_string());
  if (!reply) {
    log_failure("create pool", ids, reply.error());
    return reply.error();
  }
  logger().info("{} created with gateway {} and {} allocatable addresses", ids,
                layout->gateway.to_string(), layout->capacity);
  return layout;
}

Status Ipam::delete_pool(const std::string& name, bool force) {
  if (auto status = validate_pool_name(name); !status) {
    return status;
  }

  auto reply = run(delete_pool_,
                   {keys::pools(), keys::pool(name), keys::bitmap(name), keys::owners(name),
                    keys::reservations(name), keys::names()},
                   {name, force ? "1" : "0"}, false);
  std::string ids = fmt::format("pool={}", name);
  if (!reply) {
    log_failure("delete pool", ids, reply.error());
    return reply.error();
  }
  int64_t allocations = reply->elements.size() == 2 ? reply->elements[0].integer : 0;
  int64_t reservations = reply->elements.size() == 2 ? reply->elements[1].integer : 0;
  logger().info("{} deleted, dropping {} allocations and {} reservations", ids, allocations,
                reservations);
  return Status::Ok();
}

Result<FieldMap> Ipam::read_pool_fields(const std::string& name) {
  if (auto status = validate_pool_name(name); !status) {
    return status.error();
  }
  auto reply = client_.command({"HGETALL", keys::pool(name)});
  if (!reply) {
    return reply.error();
  }
  if (reply->elements.empty()) {
    return missing_pool(name);
  }
  return fields_from_reply(*reply);
}

Result<PoolSpec> Ipam::get_pool(const std::string& name) {
  auto fields = read_pool_fields(name);
  if (!fields) {
    return fields.error();
  }
  return spec_from_fields(*fields);
}

Result<std::vector<PoolSpec>> Ipam::list_pools() {
  auto names = client_.command({"HKEYS", keys::pools()});
  if (!names) {
    return names.error();
  }

  std::vector<std::vector<std::string>> commands;
  for (const auto& name : names->elements) {
    commands.push_back({"HGETALL", keys::pool(name.text)});
  }
  std::vector<PoolSpec> pools;
  if (commands.empty()) {
    return pools;
  }
  auto replies = client_.pipeline(commands);
  if (!replies) {
    return replies.error();
  }

  for (const auto& reply : *replies) {
    // A pool deleted between the two round trips is skipped.
    if (reply.elements.empty()) {
      continue;
    }
    auto spec = spec_from_fields(fields_from_reply(reply));
    if (!spec) {
      return spec.error();
    }
    pools.push_back(std::move(spec).value());
  }
  std::sort(pools.begin(), pools.end(),
            [](const PoolSpec& a, const PoolSpec& b) { return a.name < b.name; });
  return pools;
}

Result<PoolUsage> Ipam::usage(const std::string& pool) {
  auto fields = read_pool_fields(pool);
  if (!fields) {
    return fields.error();
  }

  PoolUsage usage;
  uint64_t reserved_in_range = 0;
  for (auto [field, target] :
       {std::pair{"size", &usage.size}, std::pair{"capacity", &usage.capacity},
        std::pair{"used", &usage.used}, std::pair{"reserved", &usage.reserved},
        std::pair{"reserved_in_range", &reserved_in_range}}) {
    auto value = number_field(*fields, field);
    if (!value) {
      return value.error();
    }
    *target = *value;
  }
  uint64_t taken = usage.used + reserved_in_range;
  usage.free = taken < usage.capacity ? usage.capacity - taken : 0;
  return usage;
}

Result<Ipv4> Ipam::allocate(const std::string& pool, const Owner& owner,
                            std::optional<Ipv4> requested) {
  if (auto status = validate_owner_call(pool, owner); !status) {
    return status.error();
  }

  auto reply = run(allocate_,
                   {keys::pool(pool), keys::bitmap(pool), keys::owners(pool),
                    keys::reservations(pool), keys::names()},
                   {pool, owner.kind, owner.name, owner.uid,
                    requested ? std::to_string(requested->value()) : ""},
                   true);
  if (!reply) {
    log_failure("allocate", owner_ids(pool, owner), reply.error());
    return reply.error();
  }
  // Arguments, not a preformatted string: spdlog formats only when debug is enabled, and
  // allocate is the hot path.
  logger().debug("pool={} owner={}/{} uid={} allocated {}", pool, owner.kind, owner.name, owner.uid,
                 reply->text);
  return address_from_reply(*reply);
}

Result<Ipv4> Ipam::release(const std::string& pool, const Owner& owner) {
  if (auto status = validate_owner_call(pool, owner); !status) {
    return status.error();
  }

  auto reply =
      run(release_, {keys::pool(pool), keys::bitmap(pool), keys::owners(pool), keys::names()},
          {pool, owner.kind, owner.name, owner.uid}, false);
  if (!reply) {
    log_failure("release", owner_ids(pool, owner), reply.error());
    return reply.error();
  }
  logger().debug("pool={} owner={}/{} uid={} released {}", pool, owner.kind, owner.name, owner.uid,
                 reply->text);
  return address_from_reply(*reply);
}

Status Ipam::reserve(const std::string& pool, Ipv4 address, const std::string& holder) {
  if (auto status = validate_holder_call(pool, holder); !status) {
    return status;
  }

  auto reply =
      run(reserve_,
          {keys::pool(pool), keys::bitmap(pool), keys::owners(pool), keys::reservations(pool)},
          {pool, std::to_string(address.value()), holder}, true);
  std::string ids = fmt::format("pool={} holder={} address={}", pool, holder, address.to_string());
  if (!reply) {
    log_failure("reserve", ids, reply.error());
    return reply.error();
  }
  logger().debug("{} reserved", ids);
  return Status::Ok();
}

Status Ipam::unreserve(const std::string& pool, Ipv4 address, const std::string& holder) {
  if (auto status = validate_holder_call(pool, holder); !status) {
    return status;
  }

  auto reply = run(unreserve_, {keys::pool(pool), keys::bitmap(pool), keys::reservations(pool)},
                   {pool, std::to_string(address.value()), holder}, false);
  std::string ids = fmt::format("pool={} holder={} address={}", pool, holder, address.to_string());
  if (!reply) {
    log_failure("unreserve", ids, reply.error());
    return reply.error();
  }
  logger().debug("{} unreserved", ids);
  return Status::Ok();
}

Status Ipam::hold(const std::string& pool, const Owner& owner, Ipv4 address,
                  const std::string& holder) {
  return move_between_owner_and_holder(hold_, "hold", pool, owner, address, holder);
}

Status Ipam::unhold(const std::string& pool, const Owner& owner, Ipv4 address,
                    const std::string& holder) {
  return move_between_owner_and_holder(unhold_, "unhold", pool, owner, address, holder);
}

Status Ipam::move_between_owner_and_holder(LuaScript& script, const char* operation,
                                           const std::string& pool, const Owner& owner,
                                           Ipv4 address, const std::string& holder) {
  if (auto status = validate_owner_call(pool, owner); !status) {
    return status;
  }
  if (auto status = validate_holder_call(pool, holder); !status) {
    return status;
  }

  // Both directions are idempotent, so one retry after a lost connection is safe.
  auto reply =
      run(script, {keys::pool(pool), keys::owners(pool), keys::reservations(pool), keys::names()},
          {pool, owner.kind, owner.name, owner.uid, address.to_string(), holder}, true);
  std::string ids = fmt::format("pool={} owner={}/{} uid={} holder={} address={}", pool, owner.kind,
                                owner.name, owner.uid, holder, address.to_string());
  if (!reply) {
    log_failure(operation, ids, reply.error());
    return reply.error();
  }
  logger().debug("{} {} done", ids, operation);
  return Status::Ok();
}

Result<Ipv4> Ipam::reserve_next(const std::string& pool, const std::string& holder) {
  if (auto status = validate_holder_call(pool, holder); !status) {
    return status.error();
  }

  auto reply = run(reserve_next_, {keys::pool(pool), keys::bitmap(pool), keys::reservations(pool)},
                   {pool, holder}, true);
  std::string ids = fmt::format("pool={} holder={}", pool, holder);
  if (!reply) {
    log_failure("reserve next", ids, reply.error());
    return reply.error();
  }
  logger().debug("{} reserved {}", ids, reply->text);
  return address_from_reply(*reply);
}

Result<PoolAllocations> Ipam::allocations(const std::string& pool) {
  if (auto status = validate_pool_name(pool); !status) {
    return status.error();
  }

  auto replies = client_.pipeline({{"MULTI"},
                                   {"EXISTS", keys::pool(pool)},
                                   {"HGETALL", keys::owners(pool)},
                                   {"HGETALL", keys::reservations(pool)},
                                   {"EXEC"}});
  if (!replies) {
    return replies.error();
  }
  const RedisReply& results = replies->back();
  if (results.elements.size() != 3) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("reading pool \"{}\": the transaction returned {} replies, "
                                  "expected 3",
                                  pool, results.elements.size()));
  }
  if (results.elements[0].integer == 0) {
    return missing_pool(pool);
  }

  PoolAllocations contents;
  for (const auto& [address_text, json] : fields_from_reply(results.elements[1])) {
    auto address = Ipv4::parse(address_text);
    auto owner = parse_owner_record(json);
    if (!address || !owner) {
      return make_error(ErrorCode::kInternal,
                        fmt::format("pool \"{}\": allocation record {} = {} is invalid", pool,
                                    address_text, json));
    }
    contents.allocations.push_back({*address, std::move(owner).value()});
  }
  for (const auto& [address_text, holder] : fields_from_reply(results.elements[2])) {
    auto address = Ipv4::parse(address_text);
    if (!address) {
      return make_error(ErrorCode::kInternal,
                        fmt::format("pool \"{}\": reservation record \"{}\" is not an address",
                                    pool, address_text));
    }
    contents.reservations.push_back({*address, holder});
  }

  std::sort(contents.allocations.begin(), contents.allocations.end(),
            [](const Allocation& a, const Allocation& b) { return a.address < b.address; });
  std::sort(contents.reservations.begin(), contents.reservations.end(),
            [](const Reservation& a, const Reservation& b) { return a.address < b.address; });
  return contents;
}

Result<std::optional<OwnerAddress>> Ipam::find_owner(const std::string& kind,
                                                     const std::string& name) {
  auto reply = client_.command({"HGET", keys::names(), kind + "/" + name});
  if (!reply) {
    return reply.error();
  }
  if (reply->is_nil()) {
    return std::optional<OwnerAddress>();
  }

  auto record = parse_name_record(reply->text);
  if (!record) {
    return record.error();
  }
  auto address = Ipv4::parse(record->address);
  if (!address) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("name index entry {}/{} has an invalid address: {}", kind, name,
                                  address.error().message));
  }
  return std::optional<OwnerAddress>(OwnerAddress{record->pool, *address, record->uid});
}

Result<std::vector<std::string>> Ipam::check() {
  for (int attempt = 0; attempt < kCheckAttempts; ++attempt) {
    auto index = client_.command({"HGETALL", keys::pools()});
    if (!index) {
      return index.error();
    }
    FieldMap pools = fields_from_reply(*index);

    std::vector<std::vector<std::string>> commands = {
        {"MULTI"}, {"HGETALL", keys::pools()}, {"HGETALL", keys::names()}};
    for (const auto& [name, cidr] : pools) {
      commands.push_back({"HGETALL", keys::pool(name)});
      commands.push_back({"GET", keys::bitmap(name)});
      commands.push_back({"HGETALL", keys::owners(name)});
      commands.push_back({"HGETALL", keys::reservations(name)});
    }
    commands.push_back({"EXEC"});

    auto replies = client_.pipeline(commands);
    if (!replies) {
      return replies.error();
    }
    const auto& results = replies->back().elements;
    if (results.size() != 2 + 4 * pools.size()) {
      return make_error(ErrorCode::kInternal,
                        fmt::format("IPAM check: the transaction returned {} replies, expected {}",
                                    results.size(), 2 + 4 * pools.size()));
    }

    IpamSnapshot snapshot;
    snapshot.pools = fields_from_reply(results[0]);
    if (snapshot.pools != pools) {
      continue;
    }
    snapshot.names = fields_from_reply(results[1]);
    size_t at = 2;
    for (const auto& [name, cidr] : pools) {
      PoolSnapshot pool;
      pool.name = name;
      pool.fields = fields_from_reply(results[at]);
      pool.bitmap = results[at + 1].text;
      pool.owners = fields_from_reply(results[at + 2]);
      pool.reservations = fields_from_reply(results[at + 3]);
      at += 4;
      if (!pool.fields.empty()) {
        snapshot.pool_states.push_back(std::move(pool));
      }
    }

    auto problems = check_ipam_state(snapshot);
    if (!problems.empty()) {
      logger().warn("IPAM check found {} problems; the first: {}", problems.size(),
                    problems.front());
    }
    return problems;
  }
  return make_error(ErrorCode::kUnavailable,
                    fmt::format("IPAM check: pools were created or deleted during each of {} "
                                "snapshots; run the check again",
                                kCheckAttempts));
}

}  // namespace raictl::ipam
