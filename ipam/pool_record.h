#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/redis_client.h"
#include "core/result.h"
#include "ipam/cidr.h"
#include "ipam/owner.h"
#include "ipam/pool_layout.h"

// Conversions between the values stored in Redis (docs/ipam.md) and C++ types. This is the
// one place that parses JSON, so nlohmann's exceptions stop here. Every parse failure is
// kInternal: stored state is written only by the Lua scripts, so a bad value is corruption.
namespace raictl::ipam {

using FieldMap = std::map<std::string, std::string>;

// The entry of an owner in the name index.
struct NameRecord {
  std::string pool;
  std::string address;
  std::string uid;
};

// Turns an HGETALL reply (field, value, field, value...) into a map.
FieldMap fields_from_reply(const RedisReply& reply);

// Rebuilds the definition of a pool from its hash.
Result<PoolSpec> spec_from_fields(const FieldMap& fields);

// Reads a numeric field of a pool hash.
Result<uint64_t> number_field(const FieldMap& fields, const std::string& field);

// Exclusions as stored: comma-separated, a /32 written as its address.
std::string exclusions_to_text(const std::vector<Cidr>& exclude);

// Parses an allocation record, JSON {kind, name, uid}.
Result<Owner> parse_owner_record(const std::string& json);

// Parses a name index entry, JSON {pool, address, uid}.
Result<NameRecord> parse_name_record(const std::string& json);

}  // namespace raictl::ipam
