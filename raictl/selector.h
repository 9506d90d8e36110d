#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace raictl::cli {

// A label selector of equality terms, as `-l app=web,tier=db` writes it. Every term must
// match.
using LabelSelector = std::map<std::string, std::string>;

// Parses `key=value[,key=value...]`. Keys and values follow the label rules of
// core/names.h. Other operators (`!=`, `in`, a bare key) are kInvalidArgument naming the
// term, because only equality is supported.
Result<LabelSelector> parse_selector(std::string_view text);

bool selector_matches(const LabelSelector& selector,
                      const std::map<std::string, std::string>& labels);

// Splits one `KEY=VALUE` argument of `flag` (for example "--env"). A missing '=' or an
// empty key is kInvalidArgument naming the flag and the text.
Result<std::pair<std::string, std::string>> split_key_value(std::string_view flag,
                                                            std::string_view text);

}  // namespace raictl::cli
