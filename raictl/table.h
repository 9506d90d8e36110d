#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace raictl::cli {

// A kubectl-style column printer: upper-case headers, every column padded to its widest
// cell and separated from the next by three spaces, no trailing spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Adds a row. Missing cells print empty; extra cells are ignored.
  void add_row(std::vector<std::string> cells);

  bool empty() const { return rows_.empty(); }

  // Prints the header and every row, each line starting with `indent`.
  void print(std::ostream& out, const std::string& indent = "") const;

  // Prints only the rows, with the widths the header alone would give them at least. Used
  // by `get --watch` for rows that follow a table printed earlier.
  void print_rows(std::ostream& out) const;

 private:
  std::vector<size_t> widths() const;
  void print_line(std::ostream& out, const std::vector<std::string>& cells,
                  const std::vector<size_t>& widths, const std::string& indent) const;

  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Formats an age as kubectl's AGE column does, in its largest whole unit: "45s", "3m",
// "2h", "5d". Negative ages (clock skew between hosts) print as "0s".
std::string format_age(int64_t age_ms);

// The age of an object created at `created_at` (RFC 3339), or "<unknown>" when the time is
// missing or malformed.
std::string format_age_since(const std::string& created_at, int64_t now_ms);

// The AGE cell of a folded event: "12s" for one occurrence, "12s (x3 over 2m)" for three
// occurrences, the first of them two minutes ago.
std::string format_event_age(int64_t first_ms, int64_t last_ms, int64_t count, int64_t now_ms);

}  // namespace raictl::cli
