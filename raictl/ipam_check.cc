#include "raictl/ipam_check.h"

#include <map>
#include <set>

#include "fmt/format.h"
#include "raictl/objects_view.h"

namespace raictl::cli {

namespace {

// IPAM owner kind of containers, as raictl-controller allocates them.
constexpr const char* kContainerOwnerKind = "container";

struct AllocationInfo {
  std::string pool;
  std::string address;
  std::string uid;
};

}  // namespace

int ipam_check_command(Context& context, std::ostream& out, std::ostream& err) {
  auto problems = context.ipam().check();
  if (!problems) {
    return fail(err, problems.error().message);
  }
  std::vector<std::string> lines = *problems;

  auto pools = context.ipam().list_pools();
  if (!pools) {
    return fail(err, pools.error().message);
  }
  auto containers = load_objects(context.store(), Kind::kContainer);
  if (!containers) {
    return fail(err, containers.error().message);
  }
  std::map<std::string, const Object*> live;
  for (const auto& container : *containers) {
    live[container.meta.name] = &container;
  }

  // Every allocation must belong to a container that exists with the same uid.
  size_t allocation_count = 0;
  std::map<std::string, AllocationInfo> allocated;  // container name -> its address
  for (const auto& pool : *pools) {
    auto allocations = context.ipam().allocations(pool.name);
    if (!allocations) {
      return fail(err, allocations.error().message);
    }
    for (const auto& allocation : allocations->allocations) {
      ++allocation_count;
      const auto& owner = allocation.owner;
      std::string address = allocation.address.to_string();
      if (owner.kind != kContainerOwnerKind) {
        continue;
      }
      allocated[owner.name] = {pool.name, address, owner.uid};

      auto container = live.find(owner.name);
      if (container == live.end()) {
        lines.push_back(fmt::format(
            "leaked: {} in pool \"{}\" is allocated to {} (uid {}), which does not exist", address,
            pool.name, owner.key(), owner.uid));
      } else if (container->second->meta.uid != owner.uid) {
        lines.push_back(fmt::format(
            "leaked: {} in pool \"{}\" is allocated to {} with uid {}, but the container has "
            "uid {}",
            address, pool.name, owner.key(), owner.uid, container->second->meta.uid));
      }
    }
  }

  // Live containers must not share an address, and each status IP must be the container's
  // allocation.
  std::map<std::string, std::string> status_holder;  // address -> first container with it
  for (const auto& container : *containers) {
    if (!container.status || container.status->ip.empty()) {
      continue;
    }
    const std::string& name = container.meta.name;
    const std::string& ip = container.status->ip;

    auto [holder, inserted] = status_holder.emplace(ip, name);
    if (!inserted) {
      lines.push_back(
          fmt::format("duplicate: {} is the status IP of both container/{} and "
                      "container/{}",
                      ip, holder->second, name));
    }

    auto allocation = allocated.find(name);
    if (allocation == allocated.end()) {
      lines.push_back(
          fmt::format("mismatch: container/{} reports IP {} but holds no IPAM "
                      "allocation",
                      name, ip));
    } else if (allocation->second.address != ip) {
      lines.push_back(
          fmt::format("mismatch: container/{} reports IP {} but IPAM allocated {} "
                      "in pool \"{}\"",
                      name, ip, allocation->second.address, allocation->second.pool));
    }
  }

  if (!lines.empty()) {
    for (const auto& line : lines) {
      out << line << "\n";
    }
    return fail(err, fmt::format("ipam check found {} problem{}", lines.size(),
                                 lines.size() == 1 ? "" : "s"));
  }
  out << fmt::format("ipam check: OK ({} allocation{} in {} pool{})\n", allocation_count,
                     allocation_count == 1 ? "" : "s", pools->size(),
                     pools->size() == 1 ? "" : "s");
  return 0;
}

}  // namespace raictl::cli
