#include "raictl/objects_view.h"

#include <algorithm>
#include <cctype>

#include "fmt/format.h"

namespace raictl::cli {

std::string singular_name(Kind kind) {
  std::string name(to_string(kind));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::string not_found_message(Kind kind, const std::string& name) {
  return fmt::format("Error from server (NotFound): {} \"{}\" not found", singular_name(kind),
                     name);
}

Result<Object> object_from_record(const ObjectRecord& record,
                                  const std::optional<nlohmann::json>& status) {
  nlohmann::json metadata = {{"name", record.name},
                             {"uid", record.uid},
                             {"generation", record.generation},
                             {"createdAt", record.created_at}};
  if (!record.labels.empty()) {
    metadata["labels"] = record.labels;
  }
  if (record.deletion_requested_at) {
    metadata["deletionRequested"] = *record.deletion_requested_at;
  }

  nlohmann::json json = {{"apiVersion", std::string(kApiVersion)},
                         {"kind", record.kind},
                         {"metadata", std::move(metadata)},
                         {"spec", record.spec}};
  if (status) {
    json["status"] = *status;
  }
  return object_from_json(json);
}

Result<std::optional<Object>> load_object(Store& store, Kind kind, const std::string& name) {
  std::string kind_name(to_string(kind));
  auto record = store.get(kind_name, name);
  if (!record) {
    return record.error();
  }
  if (!record->has_value()) {
    return std::optional<Object>();
  }

  std::optional<nlohmann::json> status;
  if (kind == Kind::kContainer) {
    auto stored = store.get_status(name);
    if (!stored) {
      return stored.error();
    }
    status = *stored;
  }

  auto object = object_from_record(**record, status);
  if (!object) {
    return object.error();
  }
  return std::optional<Object>(std::move(object).value());
}

Result<std::vector<Object>> load_objects(Store& store, Kind kind) {
  auto records = store.list(std::string(to_string(kind)));
  if (!records) {
    return records.error();
  }

  std::map<std::string, nlohmann::json> statuses;
  if (kind == Kind::kContainer) {
    auto stored = store.list_statuses();
    if (!stored) {
      return stored.error();
    }
    statuses = std::move(stored).value();
  }

  std::vector<Object> objects;
  for (const auto& record : *records) {
    std::optional<nlohmann::json> status;
    if (auto it = statuses.find(record.name); it != statuses.end()) {
      status = it->second;
    }
    auto object = object_from_record(record, status);
    if (!object) {
      return object.error();
    }
    objects.push_back(std::move(object).value());
  }

  std::sort(objects.begin(), objects.end(),
            [](const Object& a, const Object& b) { return a.meta.name < b.meta.name; });
  return objects;
}

std::string container_status_text(const Object& object) {
  if (object.meta.deletion_requested) {
    return "Terminating";
  }
  if (!object.status) {
    return "Pending";
  }

  const ContainerStatus& status = *object.status;
  // "Scheduled" only says that placement succeeded, so the phase tells more.
  if (status.phase == ContainerPhase::kPending && !status.reason.empty() &&
      status.reason != "Scheduled") {
    return status.reason;
  }
  return std::string(to_string(status.phase));
}

}  // namespace raictl::cli
