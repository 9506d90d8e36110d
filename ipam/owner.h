#pragma once

#include <string>

#include "core/result.h"

namespace raictl::ipam {

// The owner of an allocated address. kind and name are unique together across every pool
// of the cluster ("container/web-1"). uid distinguishes one incarnation of that name from
// the next, so that a stale release for a deleted container cannot free its successor's
// address.
struct Owner {
  std::string kind;  // lowercase letters, digits and '-', for example "container"
  std::string name;
  std::string uid;

  // "kind/name", the form used in messages and in the cluster-wide name index.
  std::string key() const { return kind + "/" + name; }

  bool operator==(const Owner&) const = default;
};

// Checks the owner's fields. kind has 1-32 lowercase letters, digits or '-' and starts with
// a letter. name (1-253) and uid (1-128) are printable ASCII other than space, '"' and '\'.
// kInvalidArgument names the field and its value.
Status validate_owner(const Owner& owner);

// Checks a reservation holder ("node/node-2"): 1-253 printable ASCII characters other than
// space, '"' and '\'.
Status validate_holder(const std::string& holder);

}  // namespace raictl::ipam
