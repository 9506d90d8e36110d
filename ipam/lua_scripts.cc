#include "ipam/lua_scripts.h"

namespace raictl::ipam::scripts {

namespace {

// Helpers that every script starts with. Addresses are Lua numbers, which are doubles and
// so represent every 32-bit value exactly.
constexpr const char* kHelpers = R"lua(
local function fail(code, message)
  return redis.error_reply('RAICTL ' .. code .. ' ' .. message)
end

local function dotted(value)
  return string.format('%d.%d.%d.%d', math.floor(value / 16777216) % 256,
    math.floor(value / 65536) % 256, math.floor(value / 256) % 256, value % 256)
end

-- Formats an integer for redis.call. Redis 7.0 prints a Lua number argument with "%.17g",
-- which costs more than some commands themselves, so the allocate script passes strings.
local function decimal(value)
  return string.format('%d', value)
end

local function number_of(text)
  local a, b, c, d = string.match(text, '^(%d+)%.(%d+)%.(%d+)%.(%d+)$')
  return ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d)
end

local function load_pool(key)
  local v = redis.call('HMGET', key, 'cidr', 'network', 'size', 'first', 'last', 'capacity',
    'cursor', 'used', 'reserved', 'reserved_in_range', 'gateway')
  if not v[1] then
    return nil
  end
  return {cidr = v[1], network = tonumber(v[2]), size = tonumber(v[3]),
    first = tonumber(v[4]), last = tonumber(v[5]), capacity = tonumber(v[6]),
    cursor = tonumber(v[7]), used = tonumber(v[8]), reserved = tonumber(v[9]),
    reserved_in_range = tonumber(v[10]), gateway = v[11]}
end

local function missing_pool(name)
  return fail('NOTFOUND', 'pool "' .. name .. '" does not exist; create it first or check ' ..
    'the name')
end

local function exhausted(name, pool)
  return fail('EXHAUSTED', 'pool "' .. name .. '" (' .. pool.cidr .. ') is exhausted: ' ..
    (pool.used + pool.reserved_in_range) .. ' of ' .. pool.capacity .. ' addresses in use')
end

-- Explains why the bit of an address is set: an allocation, a reservation, or an address
-- that is never handed out.
local function taken(name, pool, text, owners_key, reserved_key)
  local record = redis.call('HGET', owners_key, text)
  if record then
    local owner = cjson.decode(record)
    return fail('CONFLICT', text .. ' in pool "' .. name .. '" is allocated to ' ..
      owner.kind .. '/' .. owner.name .. ' (uid ' .. owner.uid .. ')')
  end
  local holder = redis.call('HGET', reserved_key, text)
  if holder then
    return fail('CONFLICT', text .. ' in pool "' .. name .. '" is reserved for ' .. holder)
  end
  if text == pool.gateway then
    return fail('INVALID', text .. ' is the gateway of pool "' .. name .. '"')
  end
  local offset = number_of(text) - pool.network
  if offset == 0 then
    return fail('INVALID', text .. ' is the network address of pool "' .. name .. '"')
  end
  if offset == pool.size - 1 then
    return fail('INVALID', text .. ' is the broadcast address of pool "' .. name .. '"')
  end
  return fail('INVALID', text .. ' is excluded from pool "' .. name .. '"')
end

local function range_text(pool)
  return dotted(pool.network + pool.first) .. '-' .. dotted(pool.network + pool.last)
end
)lua";

std::string with_helpers(const char* body) {
  return std::string(kHelpers) + body;
}

// KEYS: pools index, pool hash, bitmap, owners, reservations.
// ARGV: name, cidr, gateway, range ('' for none), exclusions (comma-separated), network,
// size, first, last, capacity, then one (first, last) offset pair per blocked range.
constexpr const char* kCreatePool = R"lua(
local name = ARGV[1]
local existing = redis.call('HGET', KEYS[1], name)
if existing then
  return fail('CONFLICT', 'pool "' .. name .. '" already exists (' .. existing ..
    '); delete it first or choose another name')
end

local network = tonumber(ARGV[6])
local size = tonumber(ARGV[7])
local pools = redis.call('HGETALL', KEYS[1])
for i = 1, #pools, 2 do
  local address, prefix = string.match(pools[i + 1], '^([%d%.]+)/(%d+)$')
  local other_first = number_of(address)
  local other_last = other_first + 2 ^ (32 - tonumber(prefix)) - 1
  if network <= other_last and other_first <= network + size - 1 then
    return fail('CONFLICT', ARGV[2] .. ' overlaps pool "' .. pools[i] .. '" (' ..
      pools[i + 1] .. '); choose a CIDR outside it')
  end
end

-- Leftovers of an earlier pool of the same name would corrupt the new one.
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])

-- Allocate the whole bitmap now: BITPOS finds no clear bit past the end of a string.
redis.call('SETBIT', KEYS[3], math.ceil(size / 8) * 8 - 1, 0)
for i = 11, #ARGV, 2 do
  local first = tonumber(ARGV[i])
  local last = tonumber(ARGV[i + 1])
  while first <= last and first % 8 ~= 0 do
    redis.call('SETBIT', KEYS[3], first, 1)
    first = first + 1
  end
  while last >= first and (last + 1) % 8 ~= 0 do
    redis.call('SETBIT', KEYS[3], last, 1)
    last = last - 1
  end
  if first <= last then
    redis.call('SETRANGE', KEYS[3], first / 8, string.rep('\255', (last - first + 1) / 8))
  end
end

-- A small hash is a list that HMGET and HSET search from the front, so the fields that
-- every allocation reads and writes come first.
redis.call('HSET', KEYS[2], 'cursor', ARGV[8], 'used', 0, 'network', network,
  'first', ARGV[8], 'last', ARGV[9], 'name', name, 'cidr', ARGV[2], 'gateway', ARGV[3],
  'range', ARGV[4], 'exclude', ARGV[5], 'size', size, 'capacity', ARGV[10],
  'reserved', 0, 'reserved_in_range', 0)
redis.call('HSET', KEYS[1], name, ARGV[2])
return 'OK'
)lua";

// KEYS: pools index, pool hash, bitmap, owners, reservations, names index.
// ARGV: name, force ('1' or '0').
// Returns {allocations, reservations} that the pool held.
constexpr const char* kDeletePool = R"lua(
local name = ARGV[1]
local pool = load_pool(KEYS[2])
if not pool then
  return missing_pool(name)
end
if ARGV[2] ~= '1' and (pool.used > 0 or pool.reserved > 0) then
  return fail('CONFLICT', 'pool "' .. name .. '" still has ' .. pool.used ..
    ' allocations and ' .. pool.reserved .. ' reservations; release them first or ' ..
    'delete the pool with force')
end

local owners = redis.call('HGETALL', KEYS[4])
for i = 1, #owners, 2 do
  local owner = cjson.decode(owners[i + 1])
  local key = owner.kind .. '/' .. owner.name
  local entry = redis.call('HGET', KEYS[6], key)
  if entry and cjson.decode(entry).pool == name then
    redis.call('HDEL', KEYS[6], key)
  end
end

redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HDEL', KEYS[1], name)
return {pool.used, pool.reserved}
)lua";

// KEYS: pool hash, bitmap, owners, reservations, names index.
// ARGV: pool name, kind, name, uid, requested address as a number ('' for any).
// Returns the address as text.
//
// The common case (a new owner, any address) makes six Redis calls and encodes no JSON
// with cjson, because each call from Lua costs about as much Redis time as a whole EVALSHA
// of `return 1` (INFO commandstats, Redis 7.0). Owner fields never contain '"' or '\'
// (validate_owner), so the JSON records are built by concatenation.
constexpr const char* kAllocate = R"lua(
local pool_name, kind, name, uid, requested = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
-- Only the fields of the common case: each field read costs measurable time. Error paths
-- call load_pool for the rest.
local fields = redis.call('HMGET', KEYS[1], 'cursor', 'used', 'network', 'first', 'last')
if not fields[1] then
  return missing_pool(pool_name)
end
local pool = {cursor = tonumber(fields[1]), used = tonumber(fields[2]),
  network = tonumber(fields[3]), first = tonumber(fields[4]), last = tonumber(fields[5])}
local owner_key = kind .. '/' .. name

-- Returns the address the owner already holds, or the conflict that the entry causes.
local function existing(entry)
  local current = cjson.decode(entry)
  local where = current.address .. ' in pool "' .. current.pool .. '"'
  if current.uid ~= uid then
    return fail('CONFLICT', owner_key .. ' is taken: uid ' .. current.uid .. ' holds ' .. where ..
      ', not uid ' .. uid .. '; release it first or choose another name')
  end
  if current.pool ~= pool_name then
    return fail('CONFLICT', owner_key .. ' (uid ' .. uid .. ') already holds ' .. where ..
      '; names are unique per kind across all pools, so release it there first')
  end
  if requested ~= '' and dotted(tonumber(requested)) ~= current.address then
    return fail('CONFLICT', owner_key .. ' (uid ' .. uid .. ') already holds ' .. where ..
      ', not the requested ' .. dotted(tonumber(requested)) .. '; release it first')
  end
  return current.address
end

local offset
if requested ~= '' then
  local held = redis.call('HGET', KEYS[5], owner_key)
  if held then
    return existing(held)
  end
  offset = tonumber(requested) - pool.network
  local text = dotted(tonumber(requested))
  if offset < pool.first or offset > pool.last then
    return fail('INVALID', text .. ' is outside the allocation range ' .. range_text(pool) ..
      ' of pool "' .. pool_name .. '" (' .. load_pool(KEYS[1]).cidr .. ')')
  end
  if redis.call('GETBIT', KEYS[2], offset) == 1 then
    return taken(pool_name, load_pool(KEYS[1]), text, KEYS[3], KEYS[4])
  end
else
  -- Next fit: search from the cursor to the end of the range, then wrap to its start, so
  -- a released address is handed out again only after the rest of the range.
  offset = redis.call('BITPOS', KEYS[2], '0', fields[1], fields[5], 'BIT')
  if offset < 0 and pool.cursor > pool.first then
    offset = redis.call('BITPOS', KEYS[2], '0', fields[4], decimal(pool.cursor - 1), 'BIT')
  end
  if offset < 0 then
    local held = redis.call('HGET', KEYS[5], owner_key)
    if held then
      return existing(held)
    end
    return exhausted(pool_name, load_pool(KEYS[1]))
  end
end

-- Claim the name first: HSETNX writes nothing when the owner already has an entry, so the
-- script can still return before its first write.
local address = dotted(pool.network + offset)
local entry = '{"pool":"' .. pool_name .. '","address":"' .. address .. '","uid":"' .. uid .. '"}'
if redis.call('HSETNX', KEYS[5], owner_key, entry) == 0 then
  return existing(redis.call('HGET', KEYS[5], owner_key))
end

redis.call('SETBIT', KEYS[2], decimal(offset), '1')
redis.call('HSET', KEYS[3], address,
  '{"kind":"' .. kind .. '","name":"' .. name .. '","uid":"' .. uid .. '"}')
local cursor = pool.cursor
if requested == '' then
  cursor = offset + 1
  if cursor > pool.last then
    cursor = pool.first
  end
end
redis.call('HSET', KEYS[1], 'cursor', decimal(cursor), 'used', decimal(pool.used + 1))
return address
)lua";

// KEYS: pool hash, bitmap, owners, names index.
// ARGV: pool name, kind, name, uid.
// Returns the released address as text.
constexpr const char* kRelease = R"lua(
local pool_name, kind, name, uid = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local pool = load_pool(KEYS[1])
if not pool then
  return missing_pool(pool_name)
end

local owner_key = kind .. '/' .. name
local held = redis.call('HGET', KEYS[4], owner_key)
if not held then
  return fail('NOTFOUND', owner_key .. ' holds no address; nothing was released')
end
local current = cjson.decode(held)
if current.pool ~= pool_name then
  return fail('NOTFOUND', owner_key .. ' holds ' .. current.address .. ' in pool "' ..
    current.pool .. '", not in pool "' .. pool_name .. '"; nothing was released')
end
if current.uid ~= uid then
  return fail('CONFLICT', owner_key .. ' at ' .. current.address .. ' belongs to uid ' ..
    current.uid .. ', not uid ' .. uid .. '; nothing was released')
end

redis.call('SETBIT', KEYS[2], number_of(current.address) - pool.network, 0)
redis.call('HDEL', KEYS[3], current.address)
redis.call('HDEL', KEYS[4], owner_key)
redis.call('HINCRBY', KEYS[1], 'used', -1)
return current.address
)lua";

// KEYS: pool hash, bitmap, owners, reservations.
// ARGV: pool name, address as a number, holder.
// Returns the address as text.
constexpr const char* kReserve = R"lua(
local pool_name, holder = ARGV[1], ARGV[3]
local pool = load_pool(KEYS[1])
if not pool then
  return missing_pool(pool_name)
end

local offset = tonumber(ARGV[2]) - pool.network
local text = dotted(tonumber(ARGV[2]))
if offset < 0 or offset >= pool.size then
  return fail('INVALID', text .. ' is outside pool "' .. pool_name .. '" (' .. pool.cidr .. ')')
end
if redis.call('HGET', KEYS[4], text) == holder then
  return text
end
if redis.call('GETBIT', KEYS[2], offset) == 1 then
  return taken(pool_name, pool, text, KEYS[3], KEYS[4])
end

redis.call('SETBIT', KEYS[2], offset, 1)
redis.call('HSET', KEYS[4], text, holder)
redis.call('HINCRBY', KEYS[1], 'reserved', 1)
if offset >= pool.first and offset <= pool.last then
  redis.call('HINCRBY', KEYS[1], 'reserved_in_range', 1)
end
return text
)lua";

// KEYS: pool hash, bitmap, reservations.
// ARGV: pool name, holder.
// Returns the address as text: the lowest one the holder already has in this pool, or else
// the lowest free address of the allocation range.
constexpr const char* kReserveNext = R"lua(
local pool_name, holder = ARGV[1], ARGV[2]
local pool = load_pool(KEYS[1])
if not pool then
  return missing_pool(pool_name)
end

-- NOTE: this scan grows with the pool's reservations, which are about one per host.
local reservations = redis.call('HGETALL', KEYS[3])
local lowest
for i = 1, #reservations, 2 do
  if reservations[i + 1] == holder then
    local value = number_of(reservations[i])
    if not lowest or value < lowest then
      lowest = value
    end
  end
end
if lowest then
  return dotted(lowest)
end

local offset = redis.call('BITPOS', KEYS[2], 0, pool.first, pool.last, 'BIT')
if offset < 0 then
  return exhausted(pool_name, pool)
end
local text = dotted(pool.network + offset)
redis.call('SETBIT', KEYS[2], offset, 1)
redis.call('HSET', KEYS[3], text, holder)
redis.call('HINCRBY', KEYS[1], 'reserved', 1)
redis.call('HINCRBY', KEYS[1], 'reserved_in_range', 1)
return text
)lua";

// KEYS: pool hash, bitmap, reservations.
// ARGV: pool name, address as a number, holder.
// Returns the address as text.
constexpr const char* kUnreserve = R"lua(
local pool_name, holder = ARGV[1], ARGV[3]
local pool = load_pool(KEYS[1])
if not pool then
  return missing_pool(pool_name)
end

local text = dotted(tonumber(ARGV[2]))
local current = redis.call('HGET', KEYS[3], text)
if not current then
  return fail('NOTFOUND', text .. ' is not reserved in pool "' .. pool_name ..
    '"; nothing was released')
end
if current ~= holder then
  return fail('CONFLICT', text .. ' in pool "' .. pool_name .. '" is reserved for ' .. current ..
    ', not ' .. holder .. '; nothing was released')
end

local offset = tonumber(ARGV[2]) - pool.network
redis.call('SETBIT', KEYS[2], offset, 0)
redis.call('HDEL', KEYS[3], text)
redis.call('HINCRBY', KEYS[1], 'reserved', -1)
if offset >= pool.first and offset <= pool.last then
  redis.call('HINCRBY', KEYS[1], 'reserved_in_range', -1)
end
return text
)lua";

// KEYS: pool hash, owners, reservations, names index.
// ARGV: pool name, kind, name, uid, address as text, holder.
// Turns the owner's allocation of the address into a reservation for holder. The address
// stays taken (its bit stays set) and the owner's name is free for a new allocation.
// Returns the address as text; running it again after it succeeded returns the same.
constexpr const char* kHold = R"lua(
local pool_name, kind, name, uid, text, holder = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5],
  ARGV[6]
local pool = load_pool(KEYS[1])
if not pool then
  return missing_pool(pool_name)
end
if redis.call('HGET', KEYS[3], text) == holder then
  return text
end

local owner_key = kind .. '/' .. name
local entry = redis.call('HGET', KEYS[4], owner_key)
if not entry then
  return fail('NOTFOUND', owner_key .. ' has no address allocated; nothing was held')
end
local current = cjson.decode(entry)
if current.pool ~= pool_name or current.address ~= text or current.uid ~= uid then
  return fail('CONFLICT', owner_key .. ' (uid ' .. current.uid .. ') holds ' .. current.address ..
    ' in pool "' .. current.pool .. '", not ' .. text .. ' in pool "' .. pool_name ..
    '" for uid ' .. uid .. '; nothing was held')
end

local offset = number_of(text) - pool.network
redis.call('HDEL', KEYS[2], text)
redis.call('HDEL', KEYS[4], owner_key)
redis.call('HSET', KEYS[3], text, holder)
redis.call('HINCRBY', KEYS[1], 'used', -1)
redis.call('HINCRBY', KEYS[1], 'reserved', 1)
if offset >= pool.first and offset <= pool.last then
  redis.call('HINCRBY', KEYS[1], 'reserved_in_range', 1)
end
return text
)lua";

// KEYS: pool hash, owners, reservations, names index.
// ARGV: pool name, kind, name, uid, address as text, holder.
// The reverse of hold: gives the held address back to the owner. Returns the address.
constexpr const char* kUnhold = R"lua(
local pool_name, kind, name, uid, text, holder = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5],
  ARGV[6]
local pool = load_pool(KEYS[1])
if not pool then
  return missing_pool(pool_name)
end
local owner_key = kind .. '/' .. name
local entry = redis.call('HGET', KEYS[4], owner_key)
if entry then
  local current = cjson.decode(entry)
  if current.pool == pool_name and current.address == text and current.uid == uid then
    return text
  end
  return fail('CONFLICT', owner_key .. ' already holds ' .. current.address .. ' in pool "' ..
    current.pool .. '"; release it before taking ' .. text .. ' back')
end
local current = redis.call('HGET', KEYS[3], text)
if current ~= holder then
  return fail('NOTFOUND', text .. ' in pool "' .. pool_name .. '" is not held for ' .. holder ..
    '; nothing changed')
end

local offset = number_of(text) - pool.network
redis.call('HDEL', KEYS[3], text)
redis.call('HSET', KEYS[2], text, '{"kind":"' .. kind .. '","name":"' .. name .. '","uid":"' ..
  uid .. '"}')
redis.call('HSET', KEYS[4], owner_key, '{"pool":"' .. pool_name .. '","address":"' .. text ..
  '","uid":"' .. uid .. '"}')
redis.call('HINCRBY', KEYS[1], 'used', 1)
redis.call('HINCRBY', KEYS[1], 'reserved', -1)
if offset >= pool.first and offset <= pool.last then
  redis.call('HINCRBY', KEYS[1], 'reserved_in_range', -1)
end
return text
)lua";

}  // namespace

std::string create_pool() {
  return with_helpers(kCreatePool);
}

std::string delete_pool() {
  return with_helpers(kDeletePool);
}

std::string allocate() {
  return with_helpers(kAllocate);
}

std::string release() {
  return with_helpers(kRelease);
}

std::string reserve() {
  return with_helpers(kReserve);
}

std::string reserve_next() {
  return with_helpers(kReserveNext);
}

std::string unreserve() {
  return with_helpers(kUnreserve);
}

std::string hold() {
  return with_helpers(kHold);
}

std::string unhold() {
  return with_helpers(kUnhold);
}

}  // namespace raictl::ipam::scripts
