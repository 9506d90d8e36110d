#include "raictl/get.h"

#include <optional>

#include "fmt/format.h"
#include "raictl/node_view.h"
#include "raictl/objects_view.h"
#include "raictl/pool_checks.h"
#include "raictl/resource_table.h"
#include "raictl/selector.h"
#include "raictl/watch.h"

namespace raictl::cli {

namespace {

// The objects one `get` prints, in every form it can print them.
struct Listing {
  Table table;
  std::vector<nlohmann::json> items;
  std::vector<std::string> names;  // "container/web-1"
};

bool is_known_output(const std::string& output) {
  return output.empty() || output == "wide" || output == "json" || output == "yaml" ||
         output == "name";
}

Status list_containers(const GetOptions& options, const LabelSelector& selector, Context& context,
                       Listing& listing) {
  auto containers = load_objects(context.store(), Kind::kContainer);
  if (!containers) {
    return containers.error();
  }

  int64_t now = now_ms();
  bool wide = options.output == "wide";
  for (const auto& container : *containers) {
    if ((!options.name.empty() && container.meta.name != options.name) ||
        !selector_matches(selector, container.meta.labels)) {
      continue;
    }
    listing.table.add_row(container_row(container, wide, now));
    listing.items.push_back(object_to_json(container));
    listing.names.push_back("container/" + container.meta.name);
  }
  return Status::Ok();
}

Status list_pools(const GetOptions& options, const LabelSelector& selector, Context& context,
                  Listing& listing) {
  auto pools = load_objects(context.store(), Kind::kPool);
  if (!pools) {
    return pools.error();
  }
  auto layouts = load_pool_layouts(context.ipam());
  if (!layouts) {
    return layouts.error();
  }

  bool wide = options.output == "wide";
  for (const auto& pool : *pools) {
    if ((!options.name.empty() && pool.meta.name != options.name) ||
        !selector_matches(selector, pool.meta.labels)) {
      continue;
    }

    PoolView view{pool, std::nullopt, std::nullopt};
    if (auto layout = layouts->find(pool.meta.name); layout != layouts->end()) {
      view.layout = layout->second;
      auto usage = context.ipam().usage(pool.meta.name);
      if (!usage) {
        return usage.error();
      }
      view.usage = *usage;
    }
    listing.table.add_row(pool_row(view, wide));
    listing.items.push_back(pool_json(view));
    listing.names.push_back("pool/" + pool.meta.name);
  }
  return Status::Ok();
}

Status list_nodes(const GetOptions& options, const LabelSelector& selector, Context& context,
                  Listing& listing) {
  auto nodes = load_nodes(context.store());
  if (!nodes) {
    return nodes.error();
  }
  auto basis = load_readiness_basis(context.store());
  if (!basis) {
    return basis.error();
  }

  bool wide = options.output == "wide";
  for (const auto& node : *nodes) {
    if ((!options.name.empty() && node.name != options.name) ||
        !selector_matches(selector, node.labels())) {
      continue;
    }
    listing.table.add_row(node_row(node, wide, *basis));
    listing.items.push_back(node_json(node, *basis));
    listing.names.push_back("node/" + node.name);
  }
  return Status::Ok();
}

Table empty_table(Kind kind, bool wide) {
  switch (kind) {
    case Kind::kContainer:
      return container_table(wide);
    case Kind::kPool:
      return pool_table(wide);
    case Kind::kNode:
      return node_table(wide);
  }
  return container_table(wide);
}

void print_listing(const Listing& listing, bool single, const std::string& output,
                   std::ostream& out) {
  if (output == "name") {
    for (const auto& name : listing.names) {
      out << name << "\n";
    }
    return;
  }
  if (output == "json" || output == "yaml") {
    // One named object prints as itself, anything else as a List, as kubectl does.
    nlohmann::json document =
        single ? listing.items.front()
               : nlohmann::json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", listing.items}};
    out << (output == "json" ? document.dump(4) + "\n" : json_to_yaml(document));
    return;
  }
  listing.table.print(out);
}

}  // namespace

int get_command(const GetOptions& options, Context& context, std::ostream& out, std::ostream& err) {
  auto kind = kind_from_resource_name(options.resource);
  if (!kind) {
    return fail(err, kind.error().message);
  }
  if (!is_known_output(options.output)) {
    return fail(err, fmt::format("output format \"{}\" is not supported; use wide, json, yaml "
                                 "or name",
                                 options.output));
  }
  if (options.watch && *kind != Kind::kContainer) {
    return fail(err, fmt::format("--watch follows container status only; run raictl get {} "
                                 "without --watch",
                                 resource_name(*kind)));
  }

  LabelSelector selector;
  if (!options.selector.empty()) {
    auto parsed = parse_selector(options.selector);
    if (!parsed) {
      return fail(err, parsed.error().message);
    }
    selector = std::move(parsed).value();
  }

  std::string position;
  if (options.watch) {
    auto current = status_stream_position(context.client());
    if (!current) {
      return fail(err, current.error().message);
    }
    position = *current;
  }

  Listing listing{empty_table(*kind, options.output == "wide"), {}, {}};
  Status listed;
  switch (*kind) {
    case Kind::kContainer:
      listed = list_containers(options, selector, context, listing);
      break;
    case Kind::kPool:
      listed = list_pools(options, selector, context, listing);
      break;
    case Kind::kNode:
      listed = list_nodes(options, selector, context, listing);
      break;
  }
  if (!listed) {
    return fail(err, listed.error().message);
  }

  if (listing.items.empty() && !options.name.empty()) {
    err << not_found_message(*kind, options.name) << "\n";
    return 1;
  }
  if (listing.items.empty()) {
    err << "No resources found\n";
  } else {
    print_listing(listing, !options.name.empty(), options.output, out);
  }
  out.flush();

  if (!options.watch) {
    return 0;
  }
  WatchOptions watch{options.name, selector, options.output, options.watch_timeout_seconds,
                     options.stop};
  return follow_container_status(watch, position, context, out, err);
}

}  // namespace raictl::cli
