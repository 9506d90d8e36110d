#include "raictl/apply.h"

#include <map>
#include <optional>

#include "core/log.h"
#include "fmt/format.h"
#include "raictl/manifest_input.h"
#include "raictl/objects_view.h"
#include "raictl/pool_checks.h"

namespace raictl::cli {

namespace {

// What apply does with one object, decided before anything is written.
struct PlannedObject {
  const Object* object = nullptr;
  ApplyOutcome outcome = ApplyOutcome::kCreated;
  std::optional<ipam::PoolLayout> layout;  // pools only
  bool pool_is_new = false;                // pools: create in IPAM
  bool pool_is_redefined = false;          // pools: re-create in IPAM with the new layout
};

std::string object_ref(const Object& object) {
  return singular_name(object.kind) + "/" + object.meta.name;
}

// Collects the problems of the whole apply, each prefixed with its document's file:line.
class Problems {
 public:
  void add(const Object& object, const std::string& message) {
    lines_.push_back(object.source.empty() ? message : object.source + ": " + message);
  }
  bool empty() const { return lines_.empty(); }
  int print(std::ostream& err) const {
    for (const auto& line : lines_) {
      err << line << "\n";
    }
    return fail(err, fmt::format("{} problem{} found; nothing was applied", lines_.size(),
                                 lines_.size() == 1 ? "" : "s"));
  }

 private:
  std::vector<std::string> lines_;
};

ApplyOutcome compare_with_stored(const Object& object, const std::optional<ObjectRecord>& stored) {
  if (!stored) {
    return ApplyOutcome::kCreated;
  }
  auto current = object_from_record(*stored, std::nullopt);
  if (current && spec_equal(*current, object)) {
    return ApplyOutcome::kUnchanged;
  }
  return ApplyOutcome::kConfigured;
}

Status plan_pool_object(const Object& object, ipam::Ipam& ipam,
                        const std::map<std::string, ipam::PoolLayout>& stored_pools,
                        PlannedObject& plan) {
  const auto& spec = std::get<PoolSpec>(object.spec);
  auto layout = plan_manifest_pool(object.meta.name, spec);
  if (!layout) {
    return layout.error();
  }
  plan.layout = *layout;

  auto stored = stored_pools.find(object.meta.name);
  if (stored == stored_pools.end()) {
    plan.pool_is_new = true;
    return Status::Ok();
  }
  if (same_pool_definition(stored->second, *layout)) {
    return Status::Ok();
  }

  auto usage = ipam.usage(object.meta.name);
  if (!usage) {
    return usage.error();
  }
  if (usage->used > 0) {
    return make_error(ErrorCode::kConflict,
                      fmt::format("pool \"{}\" has {} allocation{}; its cidr, gateway, range and "
                                  "exclude cannot change: delete its containers first",
                                  object.meta.name, usage->used, usage->used == 1 ? "" : "s"));
  }
  plan.pool_is_redefined = true;
  return Status::Ok();
}

// Checks that no pool of this apply overlaps another pool, stored or applied with it.
void check_overlaps(const std::vector<PlannedObject>& pools,
                    const std::map<std::string, ipam::PoolLayout>& effective, Problems& problems) {
  for (const auto& plan : pools) {
    if (!plan.layout) {
      continue;
    }
    for (const auto& [name, other] : effective) {
      if (name == plan.object->meta.name || !plan.layout->cidr.overlaps(other.cidr)) {
        continue;
      }
      problems.add(*plan.object,
                   fmt::format("pool \"{}\" ({}) overlaps pool \"{}\" ({}); choose a CIDR that "
                               "does not overlap it",
                               plan.object->meta.name, plan.layout->cidr.to_string(), name,
                               other.cidr.to_string()));
    }
  }
}

Status write_pool(const PlannedObject& plan, Context& context) {
  const Object& object = *plan.object;
  auto logger = component_logger("raictl");

  if (plan.pool_is_redefined) {
    // The pool has no allocations (checked above); force drops the node gateway
    // reservations that the old layout held, and the nodes reserve again in the new one.
    if (auto deleted = context.ipam().delete_pool(object.meta.name, true); !deleted) {
      return deleted;
    }
    logger->info("pool={} deleted to be re-created with a new layout", object.meta.name);
  }
  if (plan.pool_is_new || plan.pool_is_redefined) {
    auto converted = to_ipam_spec(object.meta.name, std::get<PoolSpec>(object.spec));
    if (!converted) {
      return converted.error();
    }
    if (auto created = context.ipam().create_pool(*converted); !created) {
      return created.error();
    }
  }
  return Status::Ok();
}

}  // namespace

int apply_command(const ApplyOptions& options, Context& context, std::istream& in,
                  std::ostream& out, std::ostream& err) {
  auto objects = read_manifests(options.files, options.recursive, in, err);
  if (!objects) {
    return fail(err, objects.error().message);
  }

  auto stored_pools = load_pool_layouts(context.ipam());
  if (!stored_pools) {
    return fail(err, stored_pools.error().message);
  }

  Problems problems;
  std::vector<PlannedObject> pools;
  std::vector<PlannedObject> containers;
  auto effective_pools = *stored_pools;

  for (const auto& object : *objects) {
    PlannedObject plan;
    plan.object = &object;

    auto stored = context.store().get(std::string(to_string(object.kind)), object.meta.name);
    if (!stored) {
      return fail(err, stored.error().message);
    }
    plan.outcome = compare_with_stored(object, *stored);
    if (stored->has_value() && (**stored).deletion_requested_at) {
      problems.add(object, fmt::format("{} \"{}\" is being deleted; wait until it is gone "
                                       "(raictl delete --wait) and apply again",
                                       singular_name(object.kind), object.meta.name));
    }

    if (object.kind == Kind::kPool) {
      if (auto planned = plan_pool_object(object, context.ipam(), *stored_pools, plan); !planned) {
        problems.add(object, planned.error().message);
      } else {
        effective_pools[object.meta.name] = *plan.layout;
      }
      pools.push_back(plan);
      continue;
    }

    const auto& spec = std::get<ContainerSpec>(object.spec);
    if (stored->has_value()) {
      if (auto immutable = check_immutable_fields(object.meta.name, (**stored).spec, spec);
          !immutable) {
        problems.add(object, immutable.error().message);
      }
    }
    containers.push_back(plan);
  }

  check_overlaps(pools, effective_pools, problems);
  for (const auto& plan : containers) {
    const auto& spec = std::get<ContainerSpec>(plan.object->spec);
    if (auto valid = check_container_pool(plan.object->meta.name, spec, effective_pools); !valid) {
      problems.add(*plan.object, valid.error().message);
    }
  }
  if (!problems.empty()) {
    return problems.print(err);
  }

  if (options.dry_run) {
    for (const auto* group : {&pools, &containers}) {
      for (const auto& plan : *group) {
        out << object_ref(*plan.object) << " " << apply_outcome_name(plan.outcome)
            << " (dry run)\n";
      }
    }
    return 0;
  }

  for (const auto* group : {&pools, &containers}) {
    for (const auto& plan : *group) {
      const Object& object = *plan.object;
      if (object.kind == Kind::kPool) {
        if (auto written = write_pool(plan, context); !written) {
          return fail(err, fmt::format("{}: {}", object_ref(object), written.error().message));
        }
      }

      auto spec = object_to_json(object)["spec"];
      auto applied = context.store().apply(std::string(to_string(object.kind)), object.meta.name,
                                           spec, object.meta.labels);
      if (!applied) {
        return fail(err, fmt::format("{}: {}", object_ref(object), applied.error().message));
      }
      out << object_ref(object) << " " << apply_outcome_name(applied->outcome) << "\n";
    }
  }
  return 0;
}

}  // namespace raictl::cli
