#include "raictl/selector.h"

#include "core/names.h"
#include "fmt/format.h"

namespace raictl::cli {

Result<std::pair<std::string, std::string>> split_key_value(std::string_view flag,
                                                            std::string_view text) {
  auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("{} \"{}\": expected KEY=VALUE, for example {} app=web", flag, text, flag));
  }
  return std::make_pair(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
}

Result<LabelSelector> parse_selector(std::string_view text) {
  LabelSelector selector;
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto term = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;

    if (term.find("!=") != std::string_view::npos || term.find("==") != std::string_view::npos ||
        term.find('=') == std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("label selector term \"{}\" is not supported: use key=value "
                                    "terms separated by commas, for example -l app=web,tier=db",
                                    term));
    }
    auto equals = term.find('=');
    std::string key(term.substr(0, equals));
    std::string value(term.substr(equals + 1));
    if (auto valid = validate_label_key(key); !valid) {
      return valid.error();
    }
    if (auto valid = validate_label_value(key, value); !valid) {
      return valid.error();
    }
    selector[key] = value;
  }
  return selector;
}

bool selector_matches(const LabelSelector& selector,
                      const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) {
      return false;
    }
  }
  return true;
}

}  // namespace raictl::cli
