#include "ipam/pool_record.h"

#include <fmt/format.h>

#include <charconv>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <utility>

namespace raictl::ipam {

namespace {

Error corrupt(const std::string& what, const std::string& detail) {
  return make_error(ErrorCode::kInternal, fmt::format("stored {} is invalid: {}", what, detail));
}

Result<nlohmann::json> parse_json_object(const std::string& what, const std::string& text) {
  try {
    auto json = nlohmann::json::parse(text);
    if (!json.is_object()) {
      return corrupt(what, fmt::format("expected a JSON object, got {}", text));
    }
    return json;
  } catch (const nlohmann::json::exception& error) {
    return corrupt(what, fmt::format("{} in {}", error.what(), text));
  }
}

Result<std::string> string_member(const std::string& what, const nlohmann::json& json,
                                  const char* member) {
  auto it = json.find(member);
  if (it == json.end() || !it->is_string()) {
    return corrupt(what, fmt::format("missing string member \"{}\" in {}", member, json.dump()));
  }
  return it->get<std::string>();
}

// Parses a JSON object and copies the named string members into the targets.
Status read_string_members(const std::string& what, const std::string& json,
                           std::initializer_list<std::pair<const char*, std::string*>> members) {
  auto object = parse_json_object(what, json);
  if (!object) {
    return object.error();
  }
  for (const auto& [member, target] : members) {
    auto value = string_member(what, *object, member);
    if (!value) {
      return value.error();
    }
    *target = std::move(value).value();
  }
  return Status::Ok();
}

const std::string* find_field(const FieldMap& fields, const std::string& field) {
  auto it = fields.find(field);
  return it == fields.end() ? nullptr : &it->second;
}

}  // namespace

FieldMap fields_from_reply(const RedisReply& reply) {
  FieldMap fields;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    fields[reply.elements[i].text] = reply.elements[i + 1].text;
  }
  return fields;
}

Result<uint64_t> number_field(const FieldMap& fields, const std::string& field) {
  const std::string* text = find_field(fields, field);
  if (text == nullptr) {
    return corrupt("pool", fmt::format("field \"{}\" is missing", field));
  }
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) {
    return corrupt("pool", fmt::format("field \"{}\" is \"{}\", not a count", field, *text));
  }
  return value;
}

Result<PoolSpec> spec_from_fields(const FieldMap& fields) {
  PoolSpec spec;
  const std::string* name = find_field(fields, "name");
  const std::string* cidr = find_field(fields, "cidr");
  const std::string* gateway = find_field(fields, "gateway");
  if (name == nullptr || cidr == nullptr || gateway == nullptr) {
    return corrupt("pool", "field \"name\", \"cidr\" or \"gateway\" is missing");
  }
  spec.name = *name;

  auto parsed_cidr = Cidr::parse(*cidr);
  if (!parsed_cidr) {
    return corrupt("pool " + *name, parsed_cidr.error().message);
  }
  spec.cidr = *parsed_cidr;

  auto parsed_gateway = Ipv4::parse(*gateway);
  if (!parsed_gateway) {
    return corrupt("pool " + *name, parsed_gateway.error().message);
  }
  spec.gateway = *parsed_gateway;

  if (const std::string* range = find_field(fields, "range"); range != nullptr && !range->empty()) {
    auto parsed_range = Cidr::parse(*range);
    if (!parsed_range) {
      return corrupt("pool " + *name, parsed_range.error().message);
    }
    spec.range = *parsed_range;
  }

  const std::string* exclude = find_field(fields, "exclude");
  std::string_view rest = exclude == nullptr ? std::string_view() : std::string_view(*exclude);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    auto exclusion = parse_exclusion(rest.substr(0, comma));
    if (!exclusion) {
      return corrupt("pool " + *name, exclusion.error().message);
    }
    spec.exclude.push_back(*exclusion);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return spec;
}

std::string exclusions_to_text(const std::vector<Cidr>& exclude) {
  std::string text;
  for (const auto& exclusion : exclude) {
    if (!text.empty()) {
      text += ',';
    }
    text += exclusion_to_string(exclusion);
  }
  return text;
}

Result<Owner> parse_owner_record(const std::string& json) {
  Owner owner;
  auto status = read_string_members(
      "allocation", json, {{"kind", &owner.kind}, {"name", &owner.name}, {"uid", &owner.uid}});
  if (!status) {
    return status.error();
  }
  return owner;
}

Result<NameRecord> parse_name_record(const std::string& json) {
  NameRecord record;
  auto status = read_string_members(
      "name index entry", json,
      {{"pool", &record.pool}, {"address", &record.address}, {"uid", &record.uid}});
  if (!status) {
    return status.error();
  }
  return record;
}

}  // namespace raictl::ipam
