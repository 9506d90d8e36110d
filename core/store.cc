#include "core/store.h"

#include <chrono>
#include <ctime>
#include <random>

#include "core/keys.h"
#include "core/store_internal.h"
#include "fmt/format.h"

namespace raictl {

namespace {

// Keeps the streams bounded. Hashes are the truth and every reader resyncs from them, so
// an entry trimmed before it was read costs a delay, never a wrong state.
constexpr const char* kStreamMaxLength = "10000";

// KEYS: object, index, spec stream. ARGV: kind, name, spec, labels, new uid, now (RFC
// 3339), mode ("apply" or "create"), max stream length.
constexpr const char* kApplyScript = R"lua(
local exists = redis.call('EXISTS', KEYS[1]) == 1
if exists then
  local uid = redis.call('HGET', KEYS[1], 'uid')
  if ARGV[7] == 'create' then
    return redis.error_reply('RAICTL CONFLICT ' .. ARGV[1] .. ' "' .. ARGV[2] ..
      '" already exists (uid ' .. uid .. '); choose another name or delete it first')
  end
  if redis.call('HEXISTS', KEYS[1], 'deletionRequestedAt') == 1 then
    return redis.error_reply('RAICTL CONFLICT ' .. ARGV[1] .. ' "' .. ARGV[2] ..
      '" is being deleted; wait until it is gone (raictl delete --wait) and apply again')
  end
  local spec = redis.call('HGET', KEYS[1], 'spec')
  local labels = redis.call('HGET', KEYS[1], 'labels')
  local generation = tonumber(redis.call('HGET', KEYS[1], 'generation'))
  if spec == ARGV[3] and labels == ARGV[4] then
    return {'unchanged', uid, generation}
  end
  generation = redis.call('HINCRBY', KEYS[1], 'generation', 1)
  redis.call('HSET', KEYS[1], 'spec', ARGV[3], 'labels', ARGV[4])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'kind', ARGV[1], 'name', ARGV[2],
    'uid', uid, 'generation', generation, 'op', 'apply')
  return {'configured', uid, generation}
end
redis.call('HSET', KEYS[1], 'uid', ARGV[5], 'generation', 1, 'createdAt', ARGV[6],
  'spec', ARGV[3], 'labels', ARGV[4])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'kind', ARGV[1], 'name', ARGV[2],
  'uid', ARGV[5], 'generation', 1, 'op', 'apply')
return {'created', ARGV[5], 1}
)lua";

// KEYS: object, spec stream. ARGV: kind, name, now, max stream length.
constexpr const char* kDeleteScript = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then
  return redis.error_reply('RAICTL NOTFOUND ' .. ARGV[1] .. ' "' .. ARGV[2] ..
    '" not found; list them with raictl get')
end
redis.call('HSETNX', KEYS[1], 'deletionRequestedAt', ARGV[3])
local uid = redis.call('HGET', KEYS[1], 'uid')
local generation = redis.call('HGET', KEYS[1], 'generation')
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'kind', ARGV[1], 'name', ARGV[2],
  'uid', uid, 'generation', generation, 'op', 'delete')
return 1
)lua";

// KEYS: object, index, status hash, events. ARGV: name, uid.
constexpr const char* kDropScript = R"lua(
if redis.call('HGET', KEYS[1], 'uid') ~= ARGV[2] then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[4])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
)lua";

// KEYS: events list. ARGV: type, reason, message, source, now (ms). Looks for the same
// event among the newest 20 so that alternating repeats (Started, BackOff, Started) fold.
constexpr const char* kEventScript = R"lua(
local recent = redis.call('LRANGE', KEYS[1], 0, 19)
for _, raw in ipairs(recent) do
  local e = cjson.decode(raw)
  if e.type == ARGV[1] and e.reason == ARGV[2] and e.message == ARGV[3] and e.source == ARGV[4] then
    e.count = e.count + 1
    e.last = tonumber(ARGV[5])
    redis.call('LREM', KEYS[1], 1, raw)
    redis.call('LPUSH', KEYS[1], cjson.encode(e))
    return e.count
  end
end
local now = tonumber(ARGV[5])
redis.call('LPUSH', KEYS[1], cjson.encode({type = ARGV[1], reason = ARGV[2], message = ARGV[3],
  source = ARGV[4], count = 1, first = now, last = now}))
redis.call('LTRIM', KEYS[1], 0, 99)
return 1
)lua";

std::string canonical(const nlohmann::json& value) {
  return value.dump();
}

std::string canonical_labels(const std::map<std::string, std::string>& labels) {
  return nlohmann::json(labels).dump();
}

Error malformed(const std::string& what, const std::string& detail) {
  return make_error(ErrorCode::kInternal,
                    fmt::format("malformed record {} in Redis: {}", what, detail));
}

std::map<std::string, std::string> pairs_to_map(const RedisReply& reply) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    out[reply.elements[i].text] = reply.elements[i + 1].text;
  }
  return out;
}

Result<ObjectRecord> record_from_hash(const std::string& kind, const std::string& name,
                                      const RedisReply& reply) {
  auto fields = pairs_to_map(reply);
  ObjectRecord record;
  record.kind = kind;
  record.name = name;
  try {
    record.uid = fields.at("uid");
    record.generation = std::stoll(fields.at("generation"));
    record.created_at = fields["createdAt"];
    record.spec = nlohmann::json::parse(fields.at("spec"));
    record.labels =
        nlohmann::json::parse(fields.at("labels")).get<std::map<std::string, std::string>>();
  } catch (const std::exception& e) {
    return malformed(keys::object(kind, name), e.what());
  }
  if (auto deleting = fields.find("deletionRequestedAt"); deleting != fields.end()) {
    record.deletion_requested_at = deleting->second;
  }
  return record;
}

}  // namespace

Result<std::map<std::string, nlohmann::json>> store_internal::read_json_hash(
    RedisClient& client, const std::string& key) {
  auto reply = client.command({"HGETALL", key});
  if (!reply) {
    return reply.error();
  }

  std::map<std::string, nlohmann::json> out;
  for (const auto& [field, value] : pairs_to_map(*reply)) {
    try {
      out[field] = nlohmann::json::parse(value);
    } catch (const nlohmann::json::exception& e) {
      return malformed(key + " field " + field, e.what());
    }
  }
  return out;
}

namespace {

Status ensure_controller_group(RedisClient& client) {
  auto group = client.command(
      {"XGROUP", "CREATE", keys::spec_stream(), keys::kControllerGroup, "0", "MKSTREAM"});
  if (!group && group.error().message.find("BUSYGROUP") == std::string::npos) {
    return group.error();
  }
  return Status::Ok();
}

Result<std::vector<SpecChange>> parse_spec_changes(const RedisReply& reply) {
  std::vector<SpecChange> changes;
  if (reply.is_nil()) {
    return changes;
  }
  for (const auto& stream : reply.elements) {
    if (stream.elements.size() != 2) {
      return malformed(keys::spec_stream(), "unexpected XREADGROUP reply shape");
    }
    for (const auto& entry : stream.elements[1].elements) {
      if (entry.elements.size() != 2) {
        continue;
      }
      auto fields = pairs_to_map(entry.elements[1]);
      SpecChange change;
      change.id = entry.elements[0].text;
      change.kind = fields["kind"];
      change.name = fields["name"];
      change.uid = fields["uid"];
      change.op = fields["op"];
      change.node = fields["node"];
      change.assignment = fields["assignment"];
      change.generation = fields["generation"].empty() ? 0 : std::stoll(fields["generation"]);
      changes.push_back(std::move(change));
    }
  }
  return changes;
}

}  // namespace

Store::Store(RedisClient& client)
    : client_(client),
      apply_script_(kApplyScript),
      delete_script_(kDeleteScript),
      drop_script_(kDropScript),
      event_script_(kEventScript),
      commit_script_(store_internal::commit_assignment_script()),
      mark_removal_script_(store_internal::mark_removal_script()),
      remove_assignment_script_(store_internal::remove_assignment_script()),
      repair_script_(store_internal::repair_node_index_script()),
      forget_node_script_(store_internal::forget_node_script()),
      heartbeat_script_(store_internal::heartbeat_script()) {}

const char* apply_outcome_name(ApplyOutcome outcome) {
  switch (outcome) {
    case ApplyOutcome::kCreated:
      return "created";
    case ApplyOutcome::kConfigured:
      return "configured";
    case ApplyOutcome::kUnchanged:
      return "unchanged";
  }
  return "unknown";
}

Result<ApplyResult> Store::apply(const std::string& kind, const std::string& name,
                                 const nlohmann::json& spec,
                                 const std::map<std::string, std::string>& labels,
                                 bool create_only) {
  auto reply =
      apply_script_.run(client_, {keys::object(kind, name), keys::index(kind), keys::spec_stream()},
                        {kind, name, canonical(spec), canonical_labels(labels), new_uid(),
                         rfc3339(now_ms()), create_only ? "create" : "apply", kStreamMaxLength});
  if (!reply) {
    return reply.error();
  }
  if (reply->elements.size() != 3) {
    return malformed(keys::object(kind, name), "apply script returned an unexpected reply");
  }

  ApplyResult result;
  const std::string& outcome = reply->elements[0].text;
  result.outcome = outcome == "created"      ? ApplyOutcome::kCreated
                   : outcome == "configured" ? ApplyOutcome::kConfigured
                                             : ApplyOutcome::kUnchanged;
  result.uid = reply->elements[1].text;
  result.generation = reply->elements[2].integer;
  return result;
}

Result<std::optional<ObjectRecord>> Store::get(const std::string& kind, const std::string& name) {
  auto reply = client_.command({"HGETALL", keys::object(kind, name)});
  if (!reply) {
    return reply.error();
  }
  if (reply->elements.empty()) {
    return std::optional<ObjectRecord>();
  }
  auto record = record_from_hash(kind, name, *reply);
  if (!record) {
    return record.error();
  }
  return std::optional<ObjectRecord>(std::move(record).value());
}

Result<std::vector<ObjectRecord>> Store::list(const std::string& kind) {
  auto names = client_.command({"SMEMBERS", keys::index(kind)});
  if (!names) {
    return names.error();
  }

  std::vector<std::vector<std::string>> commands;
  for (const auto& name : names->elements) {
    commands.push_back({"HGETALL", keys::object(kind, name.text)});
  }
  auto replies = client_.pipeline(commands);
  if (!replies) {
    return replies.error();
  }

  std::vector<ObjectRecord> records;
  for (size_t i = 0; i < replies->size(); ++i) {
    // A name whose hash vanished between the two reads was dropped meanwhile.
    if ((*replies)[i].elements.empty()) {
      continue;
    }
    auto record = record_from_hash(kind, names->elements[i].text, (*replies)[i]);
    if (!record) {
      return record.error();
    }
    records.push_back(std::move(record).value());
  }
  std::sort(records.begin(), records.end(),
            [](const ObjectRecord& a, const ObjectRecord& b) { return a.name < b.name; });
  return records;
}

Status Store::request_deletion(const std::string& kind, const std::string& name) {
  auto reply = delete_script_.run(client_, {keys::object(kind, name), keys::spec_stream()},
                                  {kind, name, rfc3339(now_ms()), kStreamMaxLength});
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

Result<bool> Store::drop(const std::string& kind, const std::string& name, const std::string& uid) {
  auto reply = drop_script_.run(client_,
                                {keys::object(kind, name), keys::index(kind),
                                 keys::container_status(), keys::events(kind, name)},
                                {name, uid});
  if (!reply) {
    return reply.error();
  }
  return reply->integer == 1;
}

Status Store::put_status(const std::string& name, const nlohmann::json& status) {
  auto replies = client_.pipeline({{"HSET", keys::container_status(), name, canonical(status)},
                                   {"XADD", keys::status_stream(), "MAXLEN", "~", "1000", "*",
                                    "kind", "Container", "name", name}});
  if (!replies) {
    return replies.error();
  }
  return Status::Ok();
}

Result<std::optional<nlohmann::json>> Store::get_status(const std::string& name) {
  auto reply = client_.command({"HGET", keys::container_status(), name});
  if (!reply) {
    return reply.error();
  }
  if (reply->is_nil()) {
    return std::optional<nlohmann::json>();
  }
  try {
    return std::optional<nlohmann::json>(nlohmann::json::parse(reply->text));
  } catch (const nlohmann::json::exception& e) {
    return malformed(keys::container_status() + " field " + name, e.what());
  }
}

Result<std::map<std::string, nlohmann::json>> Store::list_statuses() {
  return store_internal::read_json_hash(client_, keys::container_status());
}

Status Store::add_event(const std::string& kind, const std::string& name,
                        const EventRecord& event) {
  auto reply = event_script_.run(client_, {keys::events(kind, name)},
                                 {event.type, event.reason, event.message, event.source,
                                  std::to_string(event.last_ms != 0 ? event.last_ms : now_ms())});
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

Result<std::vector<EventRecord>> Store::list_events(const std::string& kind,
                                                    const std::string& name) {
  auto reply = client_.command({"LRANGE", keys::events(kind, name), "0", "-1"});
  if (!reply) {
    return reply.error();
  }

  std::vector<EventRecord> events;
  for (const auto& element : reply->elements) {
    try {
      auto json = nlohmann::json::parse(element.text);
      EventRecord event;
      event.type = json.at("type");
      event.reason = json.at("reason");
      event.message = json.at("message");
      event.source = json.at("source");
      event.count = json.at("count").get<int64_t>();
      event.first_ms = json.at("first").get<int64_t>();
      event.last_ms = json.at("last").get<int64_t>();
      events.push_back(std::move(event));
    } catch (const nlohmann::json::exception& e) {
      return malformed(keys::events(kind, name), e.what());
    }
  }
  return events;
}

Result<std::vector<SpecChange>> Store::read_spec_changes(const std::string& consumer, int count,
                                                         int block_ms, bool pending) {
  if (auto group = ensure_controller_group(client_); !group) {
    return group.error();
  }

  std::vector<std::string> argv = {"XREADGROUP", "GROUP", keys::kControllerGroup,
                                   consumer,     "COUNT", std::to_string(count)};
  if (!pending) {
    argv.insert(argv.end(), {"BLOCK", std::to_string(block_ms)});
  }
  argv.insert(argv.end(), {"STREAMS", keys::spec_stream(), pending ? "0" : ">"});

  auto reply = client_.command(argv);
  if (!reply) {
    return reply.error();
  }
  return parse_spec_changes(*reply);
}

Status Store::ack_spec_change(const std::string& id) {
  auto reply = client_.command({"XACK", keys::spec_stream(), keys::kControllerGroup, id});
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

Result<int64_t> Store::claim_spec_changes(const std::string& consumer) {
  if (auto group = ensure_controller_group(client_); !group) {
    return group.error();
  }
  int64_t claimed = 0;
  std::string cursor = "0-0";
  // XAUTOCLAIM pages through the pending list; "0-0" as the next cursor means done.
  do {
    auto reply = client_.command({"XAUTOCLAIM", keys::spec_stream(), keys::kControllerGroup,
                                  consumer, "0", cursor, "COUNT", "1000", "JUSTID"});
    if (!reply) {
      return reply.error();
    }
    if (reply->elements.size() < 2) {
      return malformed(keys::spec_stream(), "unexpected XAUTOCLAIM reply shape");
    }
    cursor = reply->elements[0].text;
    claimed += static_cast<int64_t>(reply->elements[1].elements.size());
  } while (cursor != "0-0");
  return claimed;
}

Status Store::confirm_removal(const std::string& node, const std::string& name,
                              const std::string& uid, const std::string& assignment_uid) {
  auto reply = client_.command({"XADD", keys::spec_stream(), "MAXLEN", "~", kStreamMaxLength, "*",
                                "kind", "Container", "name", name, "uid", uid, "op", "removed",
                                "node", node, "assignment", assignment_uid});
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string rfc3339(int64_t ms) {
  time_t seconds = static_cast<time_t>(ms / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

int64_t parse_rfc3339_ms(const std::string& text) {
  tm utc{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &utc);
  if (end == nullptr) {
    return 0;
  }
  return static_cast<int64_t>(timegm(&utc)) * 1000;
}

std::string new_uid() {
  static thread_local std::mt19937_64 generator(std::random_device{}());
  uint64_t high = generator();
  uint64_t low = generator();
  // Version 4 and the RFC 4122 variant bits.
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                     high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

}  // namespace raictl
