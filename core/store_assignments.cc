// Store: assignments, the placement index and each node's allocated requests. These three
// change together in one script each, so no reader ever sees a placement without the
// capacity it takes, and two writers can never overbook a node.
#include "core/keys.h"
#include "core/store.h"
#include "core/store_internal.h"
#include "fmt/format.h"

namespace raictl {

namespace {

constexpr const char* kStreamMaxLength = "10000";

// The copy an entry describes: its assignment uid, or the container uid for entries
// written before assignment uids existed.
constexpr const char* kCopyIdLua = R"lua(
local function copy_id(entry)
  if entry.assignment ~= nil and entry.assignment ~= cjson.null then return entry.assignment end
  return entry.uid
end
local function count(value)
  return tonumber(value) or 0
end
)lua";

// KEYS: assignments, allocated, placements, node stream, cordons, nodes, leader.
// ARGV: node, name, assignment JSON, fence, max stream length.
// Every check runs before the first write, because Redis keeps the writes of a script
// that fails halfway.
constexpr const char* kCommitBody = R"lua(
if ARGV[4] ~= '' and redis.call('GET', KEYS[7]) ~= ARGV[4] then
  return redis.error_reply('RAICTL FENCED this controller no longer holds the leader lease')
end
local node, name = ARGV[1], ARGV[2]
local new = cjson.decode(ARGV[3])
local cpu, memory = count(new.cpuMillis), count(new.memoryBytes)
local old_cpu, old_memory, added = 0, 0, 1

local record = redis.call('HGET', KEYS[6], node)
if not record then
  return redis.error_reply('RAICTL CONFLICT node "' .. node .. '" is not registered')
end
local current = redis.call('HGET', KEYS[1], name)
if current then
  local old = cjson.decode(current)
  if copy_id(old) ~= copy_id(new) then
    return redis.error_reply('RAICTL CONFLICT node "' .. node ..
      '" still has another copy of container "' .. name .. '" to remove first')
  end
  old_cpu, old_memory, added = count(old.cpuMillis), count(old.memoryBytes), 0
else
  local placed = redis.call('HGET', KEYS[3], name)
  if placed then
    return redis.error_reply('RAICTL CONFLICT container "' .. name .. '" is already placed on "' ..
      placed .. '"')
  end
  if redis.call('HEXISTS', KEYS[5], node) == 1 then
    return redis.error_reply('RAICTL CONFLICT node "' .. node .. '" is cordoned')
  end
end

local capacity = cjson.decode(record)
local fits = function(resource, unit, request, old_request, field)
  local total = count(capacity[field])
  local used = count(redis.call('HGET', KEYS[2], field))
  if request <= old_request or total <= 0 or used - old_request + request <= total then
    return nil
  end
  return string.format('RAICTL EXHAUSTED node "%s" has insufficient %s: %d of %d %s requested, ' ..
    '%d more asked', node, resource, used - old_request, total, unit, request)
end
local short = fits('cpu', 'millicores', cpu, old_cpu, 'cpuMillis') or
  fits('memory', 'bytes', memory, old_memory, 'memoryBytes')
if short then
  return redis.error_reply(short)
end

redis.call('HSET', KEYS[1], name, ARGV[3])
redis.call('HINCRBY', KEYS[2], 'cpuMillis', string.format('%d', cpu - old_cpu))
redis.call('HINCRBY', KEYS[2], 'memoryBytes', string.format('%d', memory - old_memory))
redis.call('HINCRBY', KEYS[2], 'containers', added)
redis.call('HSET', KEYS[3], name, node)
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'name', name, 'uid', new.uid,
  'generation', string.format('%d', count(new.generation)))
return 1
)lua";

// KEYS: assignments, placements, node stream, leader.
// ARGV: node, name, expected copy id, updated assignment JSON, evicted (1 or 0), fence,
// max stream length. The updated JSON comes from C++: re-encoding it here with cjson would
// turn empty arrays of the spec into objects.
constexpr const char* kMarkRemovalBody = R"lua(
if ARGV[6] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[6] then
  return redis.error_reply('RAICTL FENCED this controller no longer holds the leader lease')
end
local current = redis.call('HGET', KEYS[1], ARGV[2])
if not current or copy_id(cjson.decode(current)) ~= ARGV[3] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
if ARGV[5] == '1' and redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then
  redis.call('HDEL', KEYS[2], ARGV[2])
end
local updated = cjson.decode(ARGV[4])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'name', ARGV[2], 'uid', updated.uid,
  'generation', string.format('%d', count(updated.generation)))
return 1
)lua";

// KEYS: assignments, allocated, placements. ARGV: node, name, copy id.
constexpr const char* kRemoveBody = R"lua(
local current = redis.call('HGET', KEYS[1], ARGV[2])
if not current then return false end
local entry = cjson.decode(current)
if copy_id(entry) ~= ARGV[3] then return false end
redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'cpuMillis', string.format('%d', -count(entry.cpuMillis)))
redis.call('HINCRBY', KEYS[2], 'memoryBytes', string.format('%d', -count(entry.memoryBytes)))
redis.call('HINCRBY', KEYS[2], 'containers', -1)
if redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then
  redis.call('HDEL', KEYS[3], ARGV[2])
end
return current
)lua";

// KEYS: assignments, allocated, placements. ARGV: node.
// Returns 1 when the counters or the index disagreed with the assignments.
constexpr const char* kRepairBody = R"lua(
local cpu, memory, containers = 0, 0, 0
local fixed = 0
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local entry = cjson.decode(entries[i + 1])
  cpu = cpu + count(entry.cpuMillis)
  memory = memory + count(entry.memoryBytes)
  containers = containers + 1
  if not entry.evicted and not redis.call('HGET', KEYS[3], entries[i]) then
    redis.call('HSET', KEYS[3], entries[i], ARGV[1])
    fixed = 1
  end
end
local want = {cpuMillis = cpu, memoryBytes = memory, containers = containers}
for field, value in pairs(want) do
  if count(redis.call('HGET', KEYS[2], field)) ~= value then
    redis.call('HSET', KEYS[2], field, string.format('%d', value))
    fixed = 1
  end
end
return fixed
)lua";

// KEYS: assignments, allocated, placements, node stream, nodes, heartbeats, cordons,
// conditions. ARGV: node. Returns the assignments as a flat name, JSON list.
constexpr const char* kForgetNodeBody = R"lua(
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  if redis.call('HGET', KEYS[3], entries[i]) == ARGV[1] then
    redis.call('HDEL', KEYS[3], entries[i])
  end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
for i = 5, 8 do
  redis.call('HDEL', KEYS[i], ARGV[1])
end
return entries
)lua";

std::string with_helpers(const char* body) {
  return std::string(kCopyIdLua) + body;
}

std::string copy_id(const nlohmann::json& assignment) {
  auto id = assignment.value("assignment", std::string());
  return id.empty() ? assignment.value("uid", std::string()) : id;
}

Error malformed_assignment(const std::string& node, const std::string& detail) {
  return make_error(ErrorCode::kInternal,
                    fmt::format("malformed assignment in {}: {}", keys::assignments(node), detail));
}

}  // namespace

namespace store_internal {

std::string commit_assignment_script() {
  return with_helpers(kCommitBody);
}
std::string mark_removal_script() {
  return with_helpers(kMarkRemovalBody);
}
std::string remove_assignment_script() {
  return with_helpers(kRemoveBody);
}
std::string repair_node_index_script() {
  return with_helpers(kRepairBody);
}
std::string forget_node_script() {
  return with_helpers(kForgetNodeBody);
}

}  // namespace store_internal

Status Store::commit_assignment(const std::string& node, const std::string& name,
                                const nlohmann::json& assignment, const std::string& fence) {
  auto reply =
      commit_script_.run(client_,
                         {keys::assignments(node), keys::allocated(node), keys::placements(),
                          keys::node_stream(node), keys::cordons(), keys::nodes(), keys::leader()},
                         {node, name, assignment.dump(), fence, kStreamMaxLength});
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

Result<bool> Store::mark_removal(const std::string& node, const std::string& name,
                                 const nlohmann::json& updated, const std::string& fence) {
  auto reply = mark_removal_script_.run(
      client_,
      {keys::assignments(node), keys::placements(), keys::node_stream(node), keys::leader()},
      {node, name, copy_id(updated), updated.dump(), updated.value("evicted", false) ? "1" : "0",
       fence, kStreamMaxLength});
  if (!reply) {
    return reply.error();
  }
  return reply->integer == 1;
}

Result<std::optional<nlohmann::json>> Store::remove_assignment(const std::string& node,
                                                               const std::string& name,
                                                               const std::string& assignment_uid) {
  auto reply = remove_assignment_script_.run(
      client_, {keys::assignments(node), keys::allocated(node), keys::placements()},
      {node, name, assignment_uid});
  if (!reply) {
    return reply.error();
  }
  if (reply->is_nil() || reply->text.empty()) {
    return std::optional<nlohmann::json>();
  }
  try {
    return std::optional<nlohmann::json>(nlohmann::json::parse(reply->text));
  } catch (const nlohmann::json::exception& e) {
    return malformed_assignment(node, e.what());
  }
}

Result<std::map<std::string, nlohmann::json>> Store::assignments(const std::string& node) {
  return store_internal::read_json_hash(client_, keys::assignments(node));
}

Result<std::optional<std::string>> Store::placement(const std::string& name) {
  auto reply = client_.command({"HGET", keys::placements(), name});
  if (!reply) {
    return reply.error();
  }
  if (reply->is_nil()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(reply->text);
}

Result<std::map<std::string, std::string>> Store::placements() {
  auto reply = client_.command({"HGETALL", keys::placements()});
  if (!reply) {
    return reply.error();
  }
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    out[reply->elements[i].text] = reply->elements[i + 1].text;
  }
  return out;
}

Result<std::map<std::string, int64_t>> Store::allocated(const std::string& node) {
  auto reply = client_.command({"HGETALL", keys::allocated(node)});
  if (!reply) {
    return reply.error();
  }
  std::map<std::string, int64_t> out{{"cpuMillis", 0}, {"memoryBytes", 0}, {"containers", 0}};
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    out[reply->elements[i].text] = std::strtoll(reply->elements[i + 1].text.c_str(), nullptr, 10);
  }
  return out;
}

Result<bool> Store::repair_node_index(const std::string& node) {
  auto reply = repair_script_.run(
      client_, {keys::assignments(node), keys::allocated(node), keys::placements()}, {node});
  if (!reply) {
    return reply.error();
  }
  return reply->integer == 1;
}

Result<std::map<std::string, nlohmann::json>> Store::forget_node(const std::string& node) {
  auto reply = forget_node_script_.run(
      client_,
      {keys::assignments(node), keys::allocated(node), keys::placements(), keys::node_stream(node),
       keys::nodes(), keys::heartbeats(), keys::cordons(), keys::node_conditions()},
      {node});
  if (!reply) {
    return reply.error();
  }
  std::map<std::string, nlohmann::json> out;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    try {
      out[reply->elements[i].text] = nlohmann::json::parse(reply->elements[i + 1].text);
    } catch (const nlohmann::json::exception& e) {
      return malformed_assignment(node, e.what());
    }
  }
  return out;
}

}  // namespace raictl
