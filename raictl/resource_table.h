#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/objects.h"
#include "ipam/ipam.h"
#include "raictl/node_view.h"
#include "raictl/objects_view.h"
#include "raictl/table.h"

namespace raictl::cli {

// The columns and JSON forms `raictl get` prints for each kind. `wide` adds the columns of
// `-o wide`. `now_ms` is the time ages are measured from.

Table container_table(bool wide);
std::vector<std::string> container_row(const Object& container, bool wide, int64_t now_ms);

// A pool with what IPAM reports about it. `layout` and `usage` are missing when IPAM has no
// pool of that name (a half-finished apply); the cells then print "<unknown>".
struct PoolView {
  Object object;
  std::optional<ipam::PoolLayout> layout;
  std::optional<ipam::PoolUsage> usage;
};

Table pool_table(bool wide);
std::vector<std::string> pool_row(const PoolView& pool, bool wide);
nlohmann::json pool_json(const PoolView& pool);

// Nodes are judged by `basis` (node_view.h); their AGE is measured from its clock too.
Table node_table(bool wide);
std::vector<std::string> node_row(const NodeView& node, bool wide, const ReadinessBasis& basis);
nlohmann::json node_json(const NodeView& node, const ReadinessBasis& basis);

// "250m/2": the requests assigned to a node against its capacity, "<unknown>" for a
// capacity the node did not report.
std::string allocated_cpu_text(const NodeView& node);
std::string allocated_memory_text(const NodeView& node);

// "k=v,k2=v2", or "<none>" for no labels.
std::string format_labels(const std::map<std::string, std::string>& labels);

// "<none>" for an empty cell, as kubectl prints it.
std::string or_none(const std::string& value);

}  // namespace raictl::cli
