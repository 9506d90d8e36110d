#include "raictl/delete.h"

#include <chrono>
#include <thread>

#include "core/log.h"
#include "fmt/format.h"
#include "raictl/manifest_input.h"
#include "raictl/node_remove.h"
#include "raictl/objects_view.h"

namespace raictl::cli {

namespace {

constexpr std::chrono::milliseconds kWaitPollInterval{250};

struct Target {
  Kind kind;
  std::string name;
};

// Deletes a pool that no container uses: IPAM first, so that no address can be handed out
// from it, then the Pool object.
Status delete_pool(const std::string& name, Context& context) {
  auto containers = context.store().list("Container");
  if (!containers) {
    return containers.error();
  }
  std::vector<std::string> users;
  for (const auto& container : *containers) {
    if (container.spec.value("pool", std::string(kDefaultPool)) == name) {
      users.push_back(container.name);
    }
  }
  if (!users.empty()) {
    return make_error(ErrorCode::kConflict,
                      fmt::format("pool \"{}\" is used by container{} {}; delete {} first", name,
                                  users.size() == 1 ? "" : "s", fmt::join(users, ", "),
                                  users.size() == 1 ? "it" : "them"));
  }

  auto record = context.store().get("Pool", name);
  if (!record) {
    return record.error();
  }
  if (auto deleted = context.ipam().delete_pool(name, false);
      !deleted && deleted.code() != ErrorCode::kNotFound) {
    return deleted;
  }
  if (!record->has_value()) {
    return Status::Ok();
  }
  if (auto requested = context.store().request_deletion("Pool", name); !requested) {
    return requested;
  }
  auto dropped = context.store().drop("Pool", name, (**record).uid);
  if (!dropped) {
    return dropped.error();
  }
  return Status::Ok();
}

// Deletes one object. Returns false after printing why it could not be deleted.
bool delete_one(const Target& target, Context& context, std::ostream& out, std::ostream& err) {
  if (target.kind == Kind::kNode) {
    if (auto deleted = remove_empty_node(target.name, context); !deleted) {
      if (deleted.code() == ErrorCode::kNotFound) {
        err << not_found_message(Kind::kNode, target.name) << "\n";
      } else {
        fail(err, deleted.error().message);
      }
      return false;
    }
    out << "node \"" << target.name << "\" deleted\n";
    return true;
  }

  std::string kind(to_string(target.kind));
  auto record = context.store().get(kind, target.name);
  if (!record) {
    fail(err, record.error().message);
    return false;
  }

  bool pool_known_to_ipam = false;
  if (target.kind == Kind::kPool && !record->has_value()) {
    // A pool that IPAM has but the store lacks is left over from a failed apply.
    pool_known_to_ipam = context.ipam().get_pool(target.name).ok();
  }
  if (!record->has_value() && !pool_known_to_ipam) {
    err << not_found_message(target.kind, target.name) << "\n";
    return false;
  }

  Status deleted = target.kind == Kind::kPool ? delete_pool(target.name, context)
                                              : context.store().request_deletion(kind, target.name);
  if (!deleted) {
    fail(err, deleted.error().message);
    return false;
  }
  component_logger("raictl")->debug("{}={} deletion requested", singular_name(target.kind),
                                    target.name);
  out << singular_name(target.kind) << " \"" << target.name << "\" deleted\n";
  return true;
}

// Polls until every target is gone from the store. Returns false after naming what is
// left when the timeout passes.
bool wait_until_gone(const std::vector<Target>& targets, int timeout_seconds, Context& context,
                     std::ostream& err) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  while (true) {
    std::vector<std::string> left;
    for (const auto& target : targets) {
      auto record = context.store().get(std::string(to_string(target.kind)), target.name);
      if (!record) {
        fail(err, record.error().message);
        return false;
      }
      if (record->has_value()) {
        left.push_back(singular_name(target.kind) + "/" + target.name);
      }
    }
    if (left.empty()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      fail(err, fmt::format("timed out after {}s waiting for {} to be deleted; check that "
                            "raictl-controller and the node are running (raictl describe)",
                            timeout_seconds, fmt::join(left, ", ")));
      return false;
    }
    std::this_thread::sleep_for(kWaitPollInterval);
  }
}

}  // namespace

int delete_command(const DeleteOptions& options, Context& context, std::istream& in,
                   std::ostream& out, std::ostream& err) {
  std::vector<Target> targets;
  if (!options.files.empty()) {
    if (!options.resource.empty()) {
      return fail(err, "give either -f FILE or KIND NAME..., not both");
    }
    auto objects = read_manifests(options.files, options.recursive, in, err);
    if (!objects) {
      return fail(err, objects.error().message);
    }
    // Containers first, so that a file holding a pool and its containers empties the pool
    // before it is deleted.
    for (Kind kind : {Kind::kContainer, Kind::kPool}) {
      for (const auto& object : *objects) {
        if (object.kind == kind) {
          targets.push_back({object.kind, object.meta.name});
        }
      }
    }
  } else {
    if (options.resource.empty() || options.names.empty()) {
      return fail(err,
                  "name what to delete: raictl delete KIND NAME... or raictl delete -f "
                  "FILE");
    }
    auto kind = kind_from_resource_name(options.resource);
    if (!kind) {
      return fail(err, kind.error().message);
    }
    for (const auto& name : options.names) {
      targets.push_back({*kind, name});
    }
  }

  bool all_deleted = true;
  std::vector<Target> deleted;
  for (const auto& target : targets) {
    if (delete_one(target, context, out, err)) {
      deleted.push_back(target);
    } else {
      all_deleted = false;
    }
  }
  out.flush();

  if (options.wait && !wait_until_gone(deleted, options.timeout_seconds, context, err)) {
    return 1;
  }
  return all_deleted ? 0 : 1;
}

}  // namespace raictl::cli
