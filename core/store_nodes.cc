// Store: heartbeats, cordons, node conditions and cluster settings.
#include "core/keys.h"
#include "core/store.h"
#include "core/store_internal.h"
#include "fmt/format.h"

namespace raictl {

namespace {

// KEYS: heartbeats. ARGV: node. Stamps the beat with the server's clock; Redis replicates
// the HSET's effect, so reading TIME before a write is allowed.
constexpr const char* kHeartbeatScript = R"lua(
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', ms))
return ms
)lua";

Status reply_status(const Result<RedisReply>& reply) {
  if (!reply) {
    return reply.error();
  }
  return Status::Ok();
}

}  // namespace

std::string store_internal::heartbeat_script() {
  return kHeartbeatScript;
}

std::string heartbeat_script_source() {
  return kHeartbeatScript;
}

Status Store::put_node(const std::string& name, const nlohmann::json& record) {
  return reply_status(client_.command({"HSET", keys::nodes(), name, record.dump()}));
}

Result<std::map<std::string, nlohmann::json>> Store::nodes() {
  return store_internal::read_json_hash(client_, keys::nodes());
}

Result<int64_t> Store::heartbeat(const std::string& name) {
  auto reply = heartbeat_script_.run(client_, {keys::heartbeats()}, {name});
  if (!reply) {
    return reply.error();
  }
  return reply->integer;
}

Result<std::map<std::string, int64_t>> Store::heartbeats() {
  auto reply = client_.command({"HGETALL", keys::heartbeats()});
  if (!reply) {
    return reply.error();
  }
  std::map<std::string, int64_t> out;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    out[reply->elements[i].text] = std::strtoll(reply->elements[i + 1].text.c_str(), nullptr, 10);
  }
  return out;
}

Result<int64_t> Store::server_time_ms() {
  auto reply = client_.command({"TIME"});
  if (!reply) {
    return reply.error();
  }
  if (reply->elements.size() != 2) {
    return make_error(ErrorCode::kInternal, "TIME returned an unexpected reply");
  }
  int64_t seconds = std::strtoll(reply->elements[0].text.c_str(), nullptr, 10);
  int64_t micros = std::strtoll(reply->elements[1].text.c_str(), nullptr, 10);
  return seconds * 1000 + micros / 1000;
}

Status Store::cordon(const std::string& node, bool drain) {
  auto now = server_time_ms();
  if (!now) {
    return now.error();
  }
  nlohmann::json record = {{"since", *now}, {"drain", drain}};
  return reply_status(client_.command({"HSET", keys::cordons(), node, record.dump()}));
}

Status Store::uncordon(const std::string& node) {
  return reply_status(client_.command({"HDEL", keys::cordons(), node}));
}

Result<std::map<std::string, nlohmann::json>> Store::cordons() {
  return store_internal::read_json_hash(client_, keys::cordons());
}

Status Store::put_node_condition(const std::string& node, const nlohmann::json& condition) {
  return reply_status(client_.command({"HSET", keys::node_conditions(), node, condition.dump()}));
}

Result<std::map<std::string, nlohmann::json>> Store::node_conditions() {
  return store_internal::read_json_hash(client_, keys::node_conditions());
}

Status Store::put_cluster_settings(const nlohmann::json& settings) {
  std::vector<std::string> argv = {"HSET", keys::cluster_settings()};
  for (const auto& [field, value] : settings.items()) {
    argv.push_back(field);
    argv.push_back(value.dump());
  }
  if (argv.size() == 2) {
    return Status::Ok();
  }
  return reply_status(client_.command(argv));
}

Result<nlohmann::json> Store::cluster_settings() {
  auto fields = store_internal::read_json_hash(client_, keys::cluster_settings());
  if (!fields) {
    return fields.error();
  }
  nlohmann::json out = nlohmann::json::object();
  for (auto& [field, value] : *fields) {
    out[field] = std::move(value);
  }
  return out;
}

Status Store::notify_controller(const std::string& op, const std::string& node) {
  return reply_status(client_.command({"XADD", keys::spec_stream(), "MAXLEN", "~", "10000", "*",
                                       "kind", "Node", "name", node, "op", op, "node", node}));
}

}  // namespace raictl
