#include "raictl/run.h"

#include <nlohmann/json.hpp>

#include "core/manifest.h"
#include "fmt/format.h"
#include "raictl/objects_view.h"
#include "raictl/pool_checks.h"
#include "raictl/selector.h"

namespace raictl::cli {

namespace {

// The file name the manifest parser reports for the generated document; it is stripped
// from messages because the user typed flags, not a file.
constexpr std::string_view kRunSource = "<run>";

Result<std::map<std::string, std::string>> parse_pairs(std::string_view flag,
                                                       const std::vector<std::string>& pairs) {
  std::map<std::string, std::string> out;
  for (const auto& text : pairs) {
    auto pair = split_key_value(flag, text);
    if (!pair) {
      return pair.error();
    }
    out[pair->first] = pair->second;
  }
  return out;
}

std::string strip_source(const std::string& line) {
  std::string prefix = std::string(kRunSource) + ":";
  if (line.rfind(prefix, 0) != 0) {
    return line;
  }
  auto after_line_number = line.find(": ", prefix.size());
  return after_line_number == std::string::npos ? line : line.substr(after_line_number + 2);
}

}  // namespace

Result<Object> build_run_container(const RunOptions& options) {
  auto labels = parse_pairs("-l", options.labels);
  if (!labels) {
    return labels.error();
  }
  auto env = parse_pairs("--env", options.env);
  if (!env) {
    return env.error();
  }

  nlohmann::json spec = {{"image", options.image}};
  if (!options.command.empty()) {
    spec["command"] = options.command;
  }
  if (!env->empty()) {
    spec["env"] = *env;
  }
  for (const auto& [field, value] :
       {std::pair{"pool", &options.pool}, std::pair{"ip", &options.ip},
        std::pair{"node", &options.node}, std::pair{"restartPolicy", &options.restart}}) {
    if (!value->empty()) {
      spec[field] = *value;
    }
  }
  nlohmann::json resources = nlohmann::json::object();
  if (!options.cpu.empty()) {
    resources["cpu"] = options.cpu;
  }
  if (!options.memory.empty()) {
    resources["memory"] = options.memory;
  }
  if (!resources.empty()) {
    spec["resources"] = resources;
  }

  nlohmann::json metadata = {{"name", options.name}};
  if (!labels->empty()) {
    metadata["labels"] = *labels;
  }
  nlohmann::json document = {{"apiVersion", std::string(kApiVersion)},
                             {"kind", "Container"},
                             {"metadata", metadata},
                             {"spec", spec}};

  // JSON is YAML, so the manifest parser checks the flags with the rules manifests follow.
  ManifestParser parser;
  parser.add_text(kRunSource, document.dump(2));
  if (!parser.errors().empty()) {
    std::string message;
    for (const auto& problem : parser.errors()) {
      message += (message.empty() ? "" : "\n") + strip_source(problem.to_string());
    }
    return make_error(ErrorCode::kInvalidArgument, message);
  }
  if (parser.objects().size() != 1) {
    return make_error(ErrorCode::kInternal, "raictl run built no container from its flags");
  }
  return parser.objects().front();
}

int run_command(const RunOptions& options, Context& context, std::ostream& out, std::ostream& err) {
  auto container = build_run_container(options);
  if (!container) {
    return fail(err, container.error().message);
  }

  auto pools = load_pool_layouts(context.ipam());
  if (!pools) {
    return fail(err, pools.error().message);
  }
  const auto& spec = std::get<ContainerSpec>(container->spec);
  if (auto valid = check_container_pool(container->meta.name, spec, *pools); !valid) {
    return fail(err, valid.error().message);
  }

  auto applied =
      context.store().apply("Container", container->meta.name, object_to_json(*container)["spec"],
                            container->meta.labels, true);
  if (!applied && applied.code() == ErrorCode::kConflict) {
    return fail(err, fmt::format("container \"{}\" already exists; choose another name or delete "
                                 "it first",
                                 container->meta.name));
  }
  if (!applied) {
    return fail(err, applied.error().message);
  }
  out << "container/" << container->meta.name << " created\n";
  return 0;
}

}  // namespace raictl::cli
