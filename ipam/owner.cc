#include "ipam/owner.h"

#include <fmt/format.h>

#include <algorithm>

namespace raictl::ipam {

namespace {

// The allocate script writes owner fields into JSON without escaping, so '"' and '\\' are
// rejected along with spaces and control characters.
bool is_printable_word(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c > ' ' && c < 0x7f && c != '"' && c != '\\'; });
}

Status check_word(const char* field, const std::string& value, size_t max_length) {
  if (value.empty() || value.size() > max_length || !is_printable_word(value)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("invalid {} \"{}\": use 1-{} printable characters without "
                                  "spaces, '\"' or '\\'",
                                  field, value, max_length));
  }
  return Status::Ok();
}

}  // namespace

Status validate_owner(const Owner& owner) {
  bool kind_ok = !owner.kind.empty() && owner.kind.size() <= 32 && owner.kind.front() >= 'a' &&
                 owner.kind.front() <= 'z' &&
                 std::all_of(owner.kind.begin(), owner.kind.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                 });
  if (!kind_ok) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("invalid owner kind \"{}\": use 1-32 lowercase letters, digits "
                                  "or '-', starting with a letter (for example \"container\")",
                                  owner.kind));
  }
  if (auto status = check_word("owner name", owner.name, 253); !status) {
    return status;
  }
  return check_word("owner uid", owner.uid, 128);
}

Status validate_holder(const std::string& holder) {
  return check_word("reservation holder", holder, 253);
}

}  // namespace raictl::ipam
