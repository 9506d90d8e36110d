#include "raictl/watch.h"

#include <chrono>
#include <map>

#include "core/keys.h"
#include "core/log.h"
#include "core/objects.h"
#include "raictl/objects_view.h"
#include "raictl/resource_table.h"

namespace raictl::cli {

namespace {

// XREAD blocks for at most this long per call. It stays below the client's 2 s command
// timeout, and bounds how long SIGINT waits to be noticed.
constexpr int kBlockMs = 500;

// Returns the container names of the stream entries in an XREAD reply and moves `position`
// past them.
std::vector<std::string> names_in_reply(const RedisReply& reply, std::string& position) {
  std::vector<std::string> names;
  for (const auto& stream : reply.elements) {
    if (stream.elements.size() < 2) {
      continue;
    }
    for (const auto& entry : stream.elements[1].elements) {
      if (entry.elements.size() < 2) {
        continue;
      }
      position = entry.elements[0].text;
      const auto& fields = entry.elements[1].elements;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].text == "name") {
          names.push_back(fields[i + 1].text);
        }
      }
    }
  }
  return names;
}

void print_change(const Object& container, const std::string& output, std::ostream& out) {
  int64_t now = now_ms();
  if (output == "name") {
    out << "container/" << container.meta.name << "\n";
  } else if (output == "json") {
    out << object_to_json(container).dump() << "\n";
  } else if (output == "yaml") {
    out << "---\n" << json_to_yaml(object_to_json(container));
  } else {
    bool wide = output == "wide";
    Table table = container_table(wide);
    table.add_row(container_row(container, wide, now));
    table.print_rows(out);
  }
  out.flush();
}

}  // namespace

Result<std::string> status_stream_position(RedisClient& client) {
  auto reply = client.command({"XREVRANGE", keys::status_stream(), "+", "-", "COUNT", "1"});
  if (!reply) {
    return reply.error();
  }
  if (reply->elements.empty() || reply->elements[0].elements.empty()) {
    return std::string("0-0");
  }
  return reply->elements[0].elements[0].text;
}

int follow_container_status(const WatchOptions& options, std::string position, Context& context,
                            std::ostream& out, std::ostream& err) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::seconds(options.timeout_seconds);

  // Nodes rewrite unchanged statuses on every resync, so a row is printed only when the
  // status differs from the one printed last.
  std::map<std::string, std::string> printed;
  auto statuses = context.store().list_statuses();
  if (!statuses) {
    return fail(err, statuses.error().message);
  }
  for (const auto& [name, status] : *statuses) {
    printed[name] = status.dump();
  }

  while (options.stop == nullptr || !options.stop->load()) {
    if (options.timeout_seconds > 0 && Clock::now() >= deadline) {
      return 0;
    }

    auto reply = context.client().command(
        {"XREAD", "BLOCK", std::to_string(kBlockMs), "STREAMS", keys::status_stream(), position});
    if (!reply) {
      return fail(err, reply.error().message);
    }
    if (reply->is_nil()) {
      continue;
    }

    for (const auto& name : names_in_reply(*reply, position)) {
      if (!options.name.empty() && name != options.name) {
        continue;
      }
      auto container = load_object(context.store(), Kind::kContainer, name);
      if (!container) {
        return fail(err, container.error().message);
      }
      // A status written after the object was dropped has nothing left to show.
      if (!container->has_value() ||
          !selector_matches(options.selector, (**container).meta.labels)) {
        continue;
      }
      auto status = context.store().get_status(name);
      if (!status) {
        return fail(err, status.error().message);
      }
      std::string text = status->value_or(nlohmann::json()).dump();
      if (printed[name] == text) {
        continue;
      }
      printed[name] = std::move(text);
      print_change(**container, options.output, out);
    }
  }
  return 0;
}

}  // namespace raictl::cli
