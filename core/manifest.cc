#include "core/manifest.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <span>
#include <sstream>

#include "core/log.h"
#include "core/names.h"
#include "core/quantity.h"
#include "fmt/format.h"

namespace raictl {

namespace {

constexpr std::string_view kTopFields[] = {"apiVersion", "kind", "metadata", "spec"};
constexpr std::string_view kMetadataFields[] = {"name", "labels"};
constexpr std::string_view kPoolFields[] = {"cidr", "gateway", "range", "exclude"};
constexpr std::string_view kContainerFields[] = {"image",
                                                 "command",
                                                 "args",
                                                 "env",
                                                 "pool",
                                                 "ip",
                                                 "node",
                                                 "nodeSelector",
                                                 "restartPolicy",
                                                 "resources",
                                                 "stopGracePeriodSeconds",
                                                 "workingDir",
                                                 "hostname"};
constexpr std::string_view kResourceFields[] = {"cpu", "memory"};

char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Levenshtein distance, ignoring case, so that "imagee" and "restartpolicy" find their
// field.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    previous[j] = j;
  }

  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = previous[j - 1] + (to_lower(a[i - 1]) == to_lower(b[j - 1]) ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// Returns the known field closest to `key`, or "" when none is close enough to be a typo:
// at most 2 edits, or 1 for keys of up to 4 characters.
std::string_view closest_field(std::string_view key, std::span<const std::string_view> fields) {
  size_t limit = key.size() <= 4 ? 1 : 2;
  std::string_view best;
  size_t best_distance = limit + 1;
  for (std::string_view field : fields) {
    size_t distance = edit_distance(key, field);
    if (distance < best_distance) {
      best = field;
      best_distance = distance;
    }
  }
  return best;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "a string";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "an unknown node";
}

// yaml-cpp marks are 0-based and -1 when unknown. Null values carry unreliable marks, so
// callers pass the line of the key instead.
int line_of(const YAML::Node& node) {
  int line = node.Mark().line;
  return line < 0 ? 0 : line + 1;
}

std::string join_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

// Map keys chosen by the user (labels, env) may contain '.' and '/', so they are bracketed
// unless they read as a plain identifier.
std::string entry_path(std::string_view parent, std::string_view key) {
  bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return plain ? join_path(parent, key) : fmt::format("{}[\"{}\"]", parent, key);
}

bool is_dotted_quad(std::string_view text) {
  int parts = 0;
  size_t start = 0;
  while (parts < 4) {
    size_t dot = text.find('.', start);
    std::string_view part = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
    bool digits = !part.empty() && part.size() <= 3 &&
                  part.find_first_not_of("0123456789") == std::string_view::npos;
    if (!digits || (part.size() > 1 && part.front() == '0') || std::stoi(std::string(part)) > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  return parts == 4 && text.find('.', start) == std::string_view::npos;
}

// Reports each line whose indentation contains a tab. YAML forbids tabs there, and yaml-cpp
// 0.7 either misreads such lines or fails with an unrelated message. Blank and comment
// lines are skipped, and so are tabs inside the content of a block scalar (`|` or `>`),
// where they are legal.
// NOTE: a quoted string continued over several lines may legally start a line with a tab;
// that rare case is reported as well.
std::vector<int> lines_with_tab_indentation(std::string_view text) {
  std::vector<int> lines;
  int line_number = 0;
  int block_parent_indent = -1;  // indentation of the line that opened a block scalar
  size_t start = 0;

  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
    start = end == std::string_view::npos ? text.size() : end + 1;
    ++line_number;

    size_t spaces = line.find_first_not_of(' ');
    size_t content = line.find_first_not_of(" \t\r");
    if (content == std::string_view::npos) {
      continue;
    }
    if (block_parent_indent >= 0 && spaces != std::string_view::npos &&
        static_cast<int>(spaces) > block_parent_indent) {
      continue;
    }
    block_parent_indent = -1;

    if (line[content] == '#') {
      continue;
    }
    if (line.substr(0, content).find('\t') != std::string_view::npos) {
      lines.push_back(line_number);
      continue;
    }

    // A block scalar header ends the line: `key: |`, `- >-`, `key: |2 # comment`.
    std::string_view rest = line.substr(0, line.find(" #"));
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r')) {
      rest.remove_suffix(1);
    }
    size_t indicator = rest.find_last_of("|>");
    if (indicator != std::string_view::npos && indicator > 0 && rest[indicator - 1] == ' ' &&
        rest.substr(indicator + 1).find_first_not_of("+-0123456789") == std::string_view::npos) {
      block_parent_indent = static_cast<int>(content);
    }
  }
  return lines;
}

// The result of reading one document. `named` means that kind and metadata.name were read,
// so the object takes part in the duplicate check even when other fields are invalid.
struct ParsedDocument {
  Object object;
  bool valid = false;
  bool named = false;
  int name_line = 0;
};

// Reads one YAML document into an Object, recording every problem in `errors`.
class DocumentReader {
 public:
  DocumentReader(std::string_view file, std::vector<ManifestError>& errors)
      : file_(file), errors_(errors) {}

  ParsedDocument read(const YAML::Node& root) {
    ParsedDocument parsed;
    size_t errors_before = errors_.size();
    int root_line = line_of(root);
    parsed.object.source = fmt::format("{}:{}", file_, root_line);

    if (!root.IsMap()) {
      error(root_line, fmt::format("expected a map with apiVersion, kind, metadata and spec, got "
                                   "{}",
                                   describe(root)));
      return parsed;
    }

    Fields fields;
    for_each_field(root, "", [&](const std::string& key, int line, const YAML::Node& value) {
      if (key == "apiVersion") {
        fields.api_version = {line, value};
      } else if (key == "kind") {
        fields.kind = {line, value};
      } else if (key == "metadata") {
        fields.metadata = {line, value};
      } else if (key == "spec") {
        fields.spec = {line, value};
      } else if (key == "status") {
        error(line, "status: the status is written by raictl; remove it from the manifest");
      } else {
        unknown_field(line, "", key, kTopFields);
      }
    });

    check_api_version(fields.api_version, root_line);
    std::optional<Kind> kind = read_kind(fields.kind, root_line);
    if (kind) {
      parsed.object.kind = *kind;
    }

    read_metadata(fields.metadata, root_line, kind, parsed);
    if (kind == Kind::kPool) {
      parsed.object.spec = read_pool_spec(fields.spec, root_line);
    } else if (kind == Kind::kContainer) {
      parsed.object.spec = read_container_spec(fields.spec, root_line);
    }

    parsed.named = parsed.named && kind.has_value();
    parsed.valid = errors_.size() == errors_before;
    return parsed;
  }

 private:
  // A field that was present in the document: its key's line and its value.
  struct Field {
    int line = 0;
    YAML::Node value;
    bool present() const { return line > 0; }
  };

  struct Fields {
    Field api_version;
    Field kind;
    Field metadata;
    Field spec;
  };

  void error(int line, std::string message) {
    errors_.push_back(ManifestError{file_, line, std::move(message)});
  }

  void unknown_field(int line, std::string_view parent, std::string_view key,
                     std::span<const std::string_view> fields) {
    std::string path = join_path(parent, key);
    std::string_view suggestion = closest_field(key, fields);
    if (!suggestion.empty()) {
      error(line, fmt::format("{}: unknown field (did you mean \"{}\"?)", path, suggestion));
      return;
    }
    error(line, fmt::format("{}: unknown field; the fields of {} are {}", path,
                            parent.empty() ? "a document" : parent, fmt::join(fields, ", ")));
  }

  // Calls visit(key, line, value) for each pair of a map, in document order. Keys that are
  // not strings and repeated keys are reported and skipped: yaml-cpp 0.7 keeps both pairs
  // of a repeated key instead of rejecting it.
  template <typename Visit>
  void for_each_field(const YAML::Node& map, std::string_view path, Visit visit) {
    std::map<std::string, int> first_line;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node& key = it->first;
      int line = line_of(key);
      if (!key.IsScalar()) {
        error(line, fmt::format("{}: keys must be strings, got {}",
                                path.empty() ? "document" : path, describe(key)));
        continue;
      }

      const std::string& name = key.Scalar();
      auto [first, inserted] = first_line.emplace(name, line);
      if (!inserted) {
        error(line, fmt::format("duplicate key \"{}\" in {} (first at line {})", name,
                                path.empty() ? "the document" : path, first->second));
        continue;
      }
      visit(name, line, it->second);
    }
  }

  // Returns the scalar text of a string field; nullopt when the value is null or has the
  // wrong type (reported).
  std::optional<std::string> read_string(const YAML::Node& value, int line, std::string_view path) {
    if (value.IsNull()) {
      return std::nullopt;
    }
    if (!value.IsScalar()) {
      error(line, fmt::format("{}: expected a string, got {}", path, describe(value)));
      return std::nullopt;
    }
    return value.Scalar();
  }

  // A required string: absent, null and empty are all reported as missing.
  std::string read_required_string(const Field& field, std::string_view path, int parent_line,
                                   std::string_view hint) {
    std::optional<std::string> text;
    if (field.present()) {
      text = read_string(field.value, field.line, path);
      if (text && !text->empty()) {
        return *text;
      }
      if (!field.value.IsNull() && !text) {
        return "";  // wrong type, already reported
      }
    }
    error(field.present() ? field.line : parent_line, fmt::format("{}: missing; {}", path, hint));
    return "";
  }

  std::vector<std::string> read_string_list(const YAML::Node& value, int line,
                                            std::string_view path) {
    std::vector<std::string> out;
    if (value.IsNull()) {
      return out;
    }
    if (!value.IsSequence()) {
      error(line, fmt::format("{}: expected a list of strings, got {}", path, describe(value)));
      return out;
    }

    for (size_t i = 0; i < value.size(); ++i) {
      const YAML::Node& item = value[i];
      int item_line = item.IsNull() ? line : line_of(item);
      if (!item.IsScalar()) {
        error(item_line, fmt::format("{}[{}]: expected a string, got {}", path, i, describe(item)));
        continue;
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  // Reads a map of string to string (labels, env, nodeSelector). `check` validates each
  // pair and returns an error message, or "" when the pair is valid.
  template <typename Check>
  std::map<std::string, std::string> read_string_map(const YAML::Node& value, int line,
                                                     std::string_view path, Check check) {
    std::map<std::string, std::string> out;
    if (value.IsNull()) {
      return out;
    }
    if (!value.IsMap()) {
      error(line, fmt::format("{}: expected a map of strings, got {}", path, describe(value)));
      return out;
    }

    for_each_field(value, path, [&](const std::string& key, int key_line, const YAML::Node& item) {
      std::string item_path = entry_path(path, key);
      if (item.IsNull()) {
        error(key_line,
              fmt::format("{}: missing value; write \"\" for an empty string", item_path));
        return;
      }
      if (!item.IsScalar()) {
        error(key_line, fmt::format("{}: expected a string, got {}", item_path, describe(item)));
        return;
      }
      std::string problem = check(key, item.Scalar());
      if (!problem.empty()) {
        error(key_line, fmt::format("{}: {}", item_path, problem));
        return;
      }
      out[key] = item.Scalar();
    });
    return out;
  }

  static std::string check_label(const std::string& key, const std::string& value) {
    if (Status status = validate_label_key(key); !status) {
      return status.error().message;
    }
    if (Status status = validate_label_value(key, value); !status) {
      return status.error().message;
    }
    return "";
  }

  void check_api_version(const Field& field, int root_line) {
    if (!field.present() || field.value.IsNull()) {
      error(field.present() ? field.line : root_line,
            fmt::format("apiVersion: missing; set apiVersion: {}", kApiVersion));
      return;
    }
    std::optional<std::string> text = read_string(field.value, field.line, "apiVersion");
    if (text && *text != kApiVersion) {
      error(field.line,
            fmt::format("apiVersion: \"{}\" is not supported; use {}", *text, kApiVersion));
    }
  }

  std::optional<Kind> read_kind(const Field& field, int root_line) {
    std::string text = read_required_string(field, "kind", root_line,
                                            "set kind: Pool or "
                                            "kind: Container");
    if (text.empty()) {
      return std::nullopt;
    }

    std::optional<Kind> kind = kind_from_string(text);
    if (kind == Kind::kPool || kind == Kind::kContainer) {
      return kind;
    }
    if (kind == Kind::kNode) {
      error(field.line,
            "kind: Node cannot be applied because nodes register themselves; use "
            "Pool or Container");
      return std::nullopt;
    }

    for (std::string_view known : {std::string_view("Pool"), std::string_view("Container")}) {
      if (text.size() == known.size() && edit_distance(text, known) == 0) {
        error(field.line, fmt::format("kind: unknown kind \"{}\"; kinds are case-sensitive, did "
                                      "you mean \"{}\"?",
                                      text, known));
        return std::nullopt;
      }
    }
    error(field.line, fmt::format("kind: unknown kind \"{}\"; use Pool or Container", text));
    return std::nullopt;
  }

  void read_metadata(const Field& metadata, int root_line, std::optional<Kind> kind,
                     ParsedDocument& parsed) {
    if (!metadata.present() || metadata.value.IsNull()) {
      error(metadata.present() ? metadata.line : root_line,
            "metadata: missing; set metadata.name to the object's name");
      return;
    }
    if (!metadata.value.IsMap()) {
      error(metadata.line,
            fmt::format("metadata: expected a map, got {}", describe(metadata.value)));
      return;
    }

    Field name;
    ObjectMeta& meta = parsed.object.meta;
    for_each_field(metadata.value, "metadata",
                   [&](const std::string& key, int line, const YAML::Node& value) {
                     if (key == "name") {
                       name = {line, value};
                     } else if (key == "labels") {
                       meta.labels = read_string_map(value, line, "metadata.labels", check_label);
                     } else {
                       unknown_field(line, "metadata", key, kMetadataFields);
                     }
                   });

    meta.name = read_required_string(name, "metadata.name", metadata.line,
                                     "set the object's name, for example \"web-1\"");
    if (meta.name.empty()) {
      return;
    }

    Status valid = kind == Kind::kContainer ? validate_container_name(meta.name)
                   : kind == Kind::kPool    ? validate_dns1123_label(meta.name, "pool name")
                                            : validate_dns1123_label(meta.name, "name");
    if (!valid) {
      error(name.line, fmt::format("metadata.name: {}", valid.error().message));
      return;
    }
    parsed.named = true;
    parsed.name_line = name.line;
  }

  // Reads the spec map, or reports why it cannot. Returns false when there is nothing to
  // read; a missing spec still lets the caller report the required fields.
  bool spec_map(const Field& spec, int root_line, std::string_view kind) {
    if (!spec.present()) {
      error(root_line, fmt::format("spec: missing; a {} needs a spec", kind));
      return false;
    }
    if (spec.value.IsNull()) {
      return true;
    }
    if (!spec.value.IsMap()) {
      error(spec.line, fmt::format("spec: expected a map, got {}", describe(spec.value)));
      return false;
    }
    return true;
  }

  PoolSpec read_pool_spec(const Field& spec_field, int root_line) {
    PoolSpec spec;
    if (!spec_map(spec_field, root_line, "Pool")) {
      return spec;
    }

    Field cidr;
    if (spec_field.value.IsMap()) {
      for_each_field(spec_field.value, "spec",
                     [&](const std::string& key, int line, const YAML::Node& value) {
                       std::string path = join_path("spec", key);
                       if (key == "cidr") {
                         cidr = {line, value};
                       } else if (key == "gateway") {
                         spec.gateway = read_string(value, line, path).value_or("");
                       } else if (key == "range") {
                         spec.range = read_string(value, line, path).value_or("");
                       } else if (key == "exclude") {
                         spec.exclude = read_string_list(value, line, path);
                       } else {
                         unknown_field(line, "spec", key, kPoolFields);
                       }
                     });
    }

    spec.cidr = read_required_string(cidr, "spec.cidr", spec_field.line,
                                     "set the pool's network, for example \"10.89.0.0/24\"");
    return spec;
  }

  ContainerSpec read_container_spec(const Field& spec_field, int root_line) {
    ContainerSpec spec;
    if (!spec_map(spec_field, root_line, "Container")) {
      return spec;
    }

    Field image;
    if (spec_field.value.IsMap()) {
      for_each_field(spec_field.value, "spec",
                     [&](const std::string& key, int line, const YAML::Node& value) {
                       if (key == "image") {
                         image = {line, value};
                       } else {
                         read_container_field(key, line, value, spec);
                       }
                     });
    }

    spec.image = read_required_string(image, "spec.image", spec_field.line,
                                      "set the image to run, for example "
                                      "\"raictl/busybox:latest\"");
    if (!spec.image.empty()) {
      if (Status valid = validate_image_reference(spec.image); !valid) {
        error(image.line, fmt::format("spec.image: {}", valid.error().message));
      }
    }
    return spec;
  }

  void read_container_field(const std::string& key, int line, const YAML::Node& value,
                            ContainerSpec& spec) {
    std::string path = join_path("spec", key);
    if (key == "command") {
      spec.command = read_string_list(value, line, path);
    } else if (key == "args") {
      spec.args = read_string_list(value, line, path);
    } else if (key == "env") {
      spec.env = read_string_map(value, line, path, [](const std::string& name, const auto&) {
        Status valid = validate_env_name(name);
        return valid ? std::string() : valid.error().message;
      });
    } else if (key == "pool") {
      read_checked_name(value, line, path, "pool name", spec.pool);
    } else if (key == "ip") {
      read_ip(value, line, path, spec.ip);
    } else if (key == "node") {
      read_checked_name(value, line, path, "node name", spec.node);
    } else if (key == "nodeSelector") {
      spec.node_selector = read_string_map(value, line, path, check_label);
    } else if (key == "restartPolicy") {
      read_restart_policy(value, line, path, spec.restart_policy);
    } else if (key == "resources") {
      read_resources(value, line, path, spec.resources);
    } else if (key == "stopGracePeriodSeconds") {
      read_grace_period(value, line, path, spec.stop_grace_period_seconds);
    } else if (key == "workingDir") {
      read_working_dir(value, line, path, spec.working_dir);
    } else if (key == "hostname") {
      read_checked_name(value, line, path, "hostname", spec.hostname);
    } else {
      unknown_field(line, "spec", key, kContainerFields);
    }
  }

  // Reads a DNS-1123 label. A null value keeps the default in `out`.
  void read_checked_name(const YAML::Node& value, int line, const std::string& path,
                         std::string_view what, std::string& out) {
    std::optional<std::string> text = read_string(value, line, path);
    if (!text) {
      return;
    }
    if (Status valid = validate_dns1123_label(*text, what); !valid) {
      error(line, fmt::format("{}: {}", path, valid.error().message));
      return;
    }
    out = *text;
  }

  void read_ip(const YAML::Node& value, int line, const std::string& path, std::string& out) {
    std::optional<std::string> text = read_string(value, line, path);
    if (!text) {
      return;
    }
    if (!is_dotted_quad(*text)) {
      error(line, fmt::format("{}: \"{}\" is not an IPv4 address; write four numbers from 0 to "
                              "255 separated by dots, for example \"10.89.0.10\"",
                              path, *text));
      return;
    }
    out = *text;
  }

  void read_restart_policy(const YAML::Node& value, int line, const std::string& path,
                           RestartPolicy& out) {
    std::optional<std::string> text = read_string(value, line, path);
    if (!text) {
      return;
    }
    if (auto policy = restart_policy_from_string(*text)) {
      out = *policy;
      return;
    }
    error(line,
          fmt::format("{}: unknown policy \"{}\"; use Always, OnFailure or Never", path, *text));
  }

  void read_resources(const YAML::Node& value, int line, const std::string& path, Resources& out) {
    if (value.IsNull()) {
      return;
    }
    if (!value.IsMap()) {
      error(line,
            fmt::format("{}: expected a map with cpu and memory, got {}", path, describe(value)));
      return;
    }

    for_each_field(value, path, [&](const std::string& key, int key_line, const YAML::Node& item) {
      std::string item_path = join_path(path, key);
      if (key != "cpu" && key != "memory") {
        unknown_field(key_line, path, key, kResourceFields);
        return;
      }
      std::optional<std::string> text = read_string(item, key_line, item_path);
      if (!text) {
        return;
      }

      Result<int64_t> quantity = key == "cpu" ? parse_cpu(*text) : parse_memory(*text);
      if (!quantity) {
        error(key_line, fmt::format("{}: {}", item_path, quantity.error().message));
        return;
      }
      if (key == "cpu") {
        out.cpu_millis = *quantity;
        return;
      }
      if (*quantity < kMinMemoryBytes) {
        error(key_line, fmt::format("{}: memory \"{}\" is below Docker's minimum of {}; use at "
                                    "least {} or omit memory for no limit",
                                    item_path, *text, format_memory(kMinMemoryBytes),
                                    format_memory(kMinMemoryBytes)));
        return;
      }
      out.memory_bytes = *quantity;
    });
  }

  // Integers must be plain YAML scalars: a quoted "10" is a string, as in Kubernetes.
  void read_grace_period(const YAML::Node& value, int line, const std::string& path, int& out) {
    if (value.IsNull()) {
      return;
    }
    std::string expected =
        fmt::format("expected a whole number of seconds from 0 to {}", kMaxStopGracePeriodSeconds);
    if (!value.IsScalar()) {
      error(line, fmt::format("{}: {}, got {}", path, expected, describe(value)));
      return;
    }

    const std::string& text = value.Scalar();
    bool digits = !text.empty() && text.size() <= 9 &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    if (value.Tag() == "!" || !digits || std::stoi(text) > kMaxStopGracePeriodSeconds) {
      error(line, fmt::format("{}: {}, got \"{}\"", path, expected, text));
      return;
    }
    out = std::stoi(text);
  }

  // Docker rejects a relative working directory when it creates the container, so the
  // manifest is checked here, where the error can name the line.
  void read_working_dir(const YAML::Node& value, int line, const std::string& path,
                        std::string& out) {
    std::optional<std::string> text = read_string(value, line, path);
    if (!text || text->empty()) {
      return;
    }
    if (text->front() != '/') {
      error(line, fmt::format("{}: \"{}\" is not an absolute path; start it with '/', for "
                              "example \"/{}\"",
                              path, *text, *text));
      return;
    }
    out = *text;
  }

  std::string file_;
  std::vector<ManifestError>& errors_;
};

}  // namespace

std::string ManifestError::to_string() const {
  if (line <= 0) {
    return fmt::format("{}: {}", file, message);
  }
  return fmt::format("{}:{}: {}", file, line, message);
}

void ManifestParser::add_text(std::string_view file, std::string_view text) {
  size_t errors_before = errors_.size();
  std::string file_name(file);

  std::vector<int> tab_lines = lines_with_tab_indentation(text);
  for (int line : tab_lines) {
    errors_.push_back(
        ManifestError{file_name, line, "tab character in indentation; YAML allows only spaces"});
  }
  if (!tab_lines.empty()) {
    return;
  }

  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    int line = e.mark.line < 0 ? 0 : e.mark.line + 1;
    component_logger("manifest")
        ->debug("file={} line={} yaml-cpp rejected the text: {}", file, line, e.msg);
    errors_.push_back(ManifestError{file_name, line, fmt::format("invalid YAML: {}", e.msg)});
    return;
  }

  DocumentReader reader(file, errors_);
  size_t documents_read = 0;
  for (const YAML::Node& document : documents) {
    if (document.IsNull()) {
      continue;
    }
    ++documents_read;

    ParsedDocument parsed = reader.read(document);
    size_t errors_before_unique = errors_.size();
    if (parsed.named) {
      check_unique(parsed.object, file, parsed.name_line);
    }
    if (parsed.valid && errors_.size() == errors_before_unique) {
      objects_.push_back(std::move(parsed.object));
    }
  }

  if (documents_read == 0) {
    errors_.push_back(ManifestError{file_name, 0,
                                    "no objects found; a manifest needs at least one document "
                                    "with apiVersion, kind, metadata and spec"});
  }

  std::stable_sort(errors_.begin() + static_cast<std::ptrdiff_t>(errors_before), errors_.end(),
                   [](const ManifestError& a, const ManifestError& b) { return a.line < b.line; });
}

void ManifestParser::add_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string cause = std::strerror(errno);
    component_logger("manifest")->debug("file={} cannot be opened: {}", path, cause);
    errors_.push_back(ManifestError{path, 0, fmt::format("cannot read the file: {}", cause)});
    return;
  }

  std::ostringstream text;
  text << in.rdbuf();
  add_text(path, text.str());
}

void ManifestParser::check_unique(const Object& object, std::string_view file, int name_line) {
  std::string this_source = fmt::format("{}:{}", file, name_line);
  auto [first, inserted] =
      first_source_.emplace(std::make_pair(object.kind, object.meta.name), this_source);
  if (inserted) {
    return;
  }
  errors_.push_back(ManifestError{
      std::string(file), name_line,
      fmt::format("metadata.name: {} \"{}\" is defined twice, here and at {}; names must be "
                  "unique per kind",
                  to_string(object.kind), object.meta.name, first->second)});
}

Result<std::vector<Object>> ManifestParser::result() const {
  if (errors_.empty()) {
    return objects_;
  }

  std::string message;
  for (const ManifestError& error : errors_) {
    if (!message.empty()) {
      message += '\n';
    }
    message += error.to_string();
  }
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

Result<std::vector<Object>> parse_manifest(std::string_view file, std::string_view text) {
  ManifestParser parser;
  parser.add_text(file, text);
  return parser.result();
}

}  // namespace raictl
