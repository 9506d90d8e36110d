#include "raictl/table.h"

#include <algorithm>

#include "core/store.h"

namespace raictl::cli {

namespace {

constexpr const char* kColumnGap = "   ";

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::vector<size_t> Table::widths() const {
  std::vector<size_t> widths;
  for (const auto& header : headers_) {
    widths.push_back(header.size());
  }
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  return widths;
}

void Table::print_line(std::ostream& out, const std::vector<std::string>& cells,
                       const std::vector<size_t>& widths, const std::string& indent) const {
  std::string line = indent;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) {
      line += std::string(widths[i] - cells[i].size(), ' ');
      line += kColumnGap;
    }
  }

  // A last column that is empty would leave the padding of the one before it behind.
  while (!line.empty() && line.back() == ' ') {
    line.pop_back();
  }
  out << line << "\n";
}

void Table::print(std::ostream& out, const std::string& indent) const {
  auto column_widths = widths();
  print_line(out, headers_, column_widths, indent);
  for (const auto& row : rows_) {
    print_line(out, row, column_widths, indent);
  }
}

void Table::print_rows(std::ostream& out) const {
  auto column_widths = widths();
  for (const auto& row : rows_) {
    print_line(out, row, column_widths, "");
  }
}

std::string format_age(int64_t age_ms) {
  int64_t seconds = std::max<int64_t>(age_ms, 0) / 1000;
  if (seconds < 60) {
    return std::to_string(seconds) + "s";
  }
  if (seconds < 3600) {
    return std::to_string(seconds / 60) + "m";
  }
  if (seconds < 86400) {
    return std::to_string(seconds / 3600) + "h";
  }
  return std::to_string(seconds / 86400) + "d";
}

std::string format_age_since(const std::string& created_at, int64_t now_ms) {
  int64_t created_ms = parse_rfc3339_ms(created_at);
  if (created_ms == 0) {
    return "<unknown>";
  }
  return format_age(now_ms - created_ms);
}

std::string format_event_age(int64_t first_ms, int64_t last_ms, int64_t count, int64_t now_ms) {
  std::string age = format_age(now_ms - last_ms);
  if (count <= 1) {
    return age;
  }
  return age + " (x" + std::to_string(count) + " over " + format_age(now_ms - first_ms) + ")";
}

}  // namespace raictl::cli
