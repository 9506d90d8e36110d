#include "core/names.h"

#include <string>
#include <vector>

#include "fmt/format.h"

namespace raictl {

namespace {

// Limits from Docker's reference grammar (distribution/reference): a repository name of
// at most 255 characters, a tag of at most 128.
constexpr size_t kMaxImageNameLength = 255;
constexpr size_t kMaxTagLength = 128;
constexpr size_t kMaxSubdomainLength = 253;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower_alnum(char c) {
  return is_lower(c) || is_digit(c);
}
bool is_alnum(char c) {
  return is_lower(c) || is_upper(c) || is_digit(c);
}

Status invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

// Turns a rejected name into a DNS-1123 label that is close to it: lowercase, each run of
// other characters replaced by one '-', no '-' at either end. Returns "" when nothing of
// the input survives.
std::string dns1123_suggestion(std::string_view value) {
  std::string out;
  for (char c : value) {
    char lower = is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
    if (is_lower_alnum(lower)) {
      out += lower;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }

  if (out.size() > kMaxNameLength) {
    out.resize(kMaxNameLength);
  }
  while (!out.empty() && out.back() == '-') {
    out.pop_back();
  }
  return out;
}

std::string example_label(std::string_view value, size_t min_length) {
  std::string suggestion = dns1123_suggestion(value);
  if (suggestion.size() < min_length) {
    return "web-1";
  }
  return suggestion;
}

Status check_dns1123_label(std::string_view value, std::string_view subject, size_t min_length) {
  if (value.empty()) {
    return invalid(
        fmt::format("{} is empty: use {} to {} lowercase letters, digits and '-' "
                    "(DNS-1123 label), for example \"web-1\"",
                    subject, min_length, kMaxNameLength));
  }

  if (value.size() > kMaxNameLength) {
    return invalid(fmt::format(
        "{} \"{}\" is invalid: it has {} characters but a DNS-1123 label "
        "allows at most {}, for example \"{}\"",
        subject, value, value.size(), kMaxNameLength, example_label(value, min_length)));
  }

  for (char c : value) {
    if (!is_lower_alnum(c) && c != '-') {
      return invalid(
          fmt::format("{} \"{}\" is invalid: use lowercase letters, digits and '-' "
                      "(DNS-1123 label), for example \"{}\"",
                      subject, value, example_label(value, min_length)));
    }
  }

  if (value.front() == '-' || value.back() == '-') {
    return invalid(
        fmt::format("{} \"{}\" is invalid: start and end it with a lowercase letter "
                    "or digit (DNS-1123 label), for example \"{}\"",
                    subject, value, example_label(value, min_length)));
  }

  if (value.size() < min_length) {
    return invalid(
        fmt::format("{} \"{}\" is invalid: use at least {} characters, for example "
                    "\"{}1\"",
                    subject, value, min_length, value));
  }
  return Status::Ok();
}

// The name part of a label key and every non-empty label value: letters, digits, '-', '_'
// and '.', starting and ending with a letter or digit.
bool is_label_token(std::string_view text) {
  if (text.empty() || text.size() > kMaxNameLength) {
    return false;
  }
  if (!is_alnum(text.front()) || !is_alnum(text.back())) {
    return false;
  }
  for (char c : text) {
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// Splits at every `separator`, keeping empty parts: "a..b" gives "a", "", "b".
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t end = text.find(separator); end != std::string_view::npos;
       end = text.find(separator, start)) {
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool is_dns1123_subdomain(std::string_view text) {
  if (text.empty() || text.size() > kMaxSubdomainLength) {
    return false;
  }
  for (std::string_view label : split(text, '.')) {
    if (!check_dns1123_label(label, "", 1).ok()) {
      return false;
    }
  }
  return true;
}

// A registry host as the reference grammar has it: dot-separated labels of letters, digits
// and '-' (uppercase allowed), then an optional `:port`.
bool is_registry(std::string_view text) {
  std::string_view host = text;
  auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    std::string_view port = text.substr(colon + 1);
    host = text.substr(0, colon);
    if (port.empty() || port.size() > 5) {
      return false;
    }
    for (char c : port) {
      if (!is_digit(c)) {
        return false;
      }
    }
  }

  for (std::string_view label : split(host, '.')) {
    if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) {
      return false;
    }
    for (char c : label) {
      if (!is_alnum(c) && c != '-') {
        return false;
      }
    }
  }
  return true;
}

// A path component: runs of lowercase letters and digits joined by one separator, which is
// '.', '_', "__" or any number of '-'.
bool is_path_component(std::string_view text) {
  if (text.empty() || !is_lower_alnum(text.front()) || !is_lower_alnum(text.back())) {
    return false;
  }

  size_t i = 0;
  while (i < text.size()) {
    if (is_lower_alnum(text[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && !is_lower_alnum(text[end])) {
      ++end;
    }
    std::string_view separator = text.substr(i, end - i);
    bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
    if (separator != "." && separator != "_" && separator != "__" && !dashes) {
      return false;
    }
    i = end;
  }
  return true;
}

bool is_tag(std::string_view text) {
  if (text.empty() || text.size() > kMaxTagLength) {
    return false;
  }
  if (!is_alnum(text.front()) && text.front() != '_') {
    return false;
  }
  for (char c : text) {
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

// Returns "" for a valid digest, else the reason it is not.
std::string digest_problem(std::string_view digest) {
  auto colon = digest.find(':');
  std::string_view algorithm = digest.substr(0, colon);
  size_t hex_length = 0;
  if (algorithm == "sha256") {
    hex_length = 64;
  } else if (algorithm == "sha384") {
    hex_length = 96;
  } else if (algorithm == "sha512") {
    hex_length = 128;
  } else {
    return fmt::format("digest \"{}\" is not supported: use sha256:<64 hex digits>", digest);
  }

  std::string_view hex =
      colon == std::string_view::npos ? std::string_view() : digest.substr(colon + 1);
  bool all_hex = hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (hex.size() != hex_length || !all_hex) {
    return fmt::format("digest \"{}\" is malformed: {} needs {} lowercase hex digits after ':'",
                       digest, algorithm, hex_length);
  }
  return "";
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (is_upper(c)) {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

Status invalid_image(std::string_view image, std::string_view reason) {
  return invalid(fmt::format("image \"{}\" is invalid: {}", image, reason));
}

// Checks the repository name: an optional registry, then '/'-separated path components.
// `suffix` is the tag and digest as written, used to build a corrected example.
Status check_image_name(std::string_view image, std::string_view name, std::string_view suffix) {
  if (name.size() > kMaxImageNameLength) {
    return invalid_image(image, fmt::format("the repository name has {} characters, at most {} "
                                            "are allowed",
                                            name.size(), kMaxImageNameLength));
  }

  // As in `docker pull`, the first component names a registry only when more components
  // follow and it looks like a host: it has a '.' or a port, is "localhost", or has
  // uppercase letters (which a path may not have).
  std::string_view path = name;
  std::string_view registry;
  auto slash = name.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = name.substr(0, slash);
    bool has_upper = to_lower(first) != first;
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" || has_upper) {
      registry = first;
      path = name.substr(slash + 1);
    }
  }

  if (!registry.empty() && !is_registry(registry)) {
    return invalid_image(image,
                         fmt::format("registry \"{}\" is not a valid host[:port]", registry));
  }

  for (std::string_view component : split(path, '/')) {
    if (is_path_component(component)) {
      continue;
    }

    // Hosts are case-insensitive, so the example lowercases the registry too. Comparing
    // first keeps the nested check from recursing: its name is already lowercase.
    std::string lowered = to_lower(name);
    std::string example = fmt::format("{}{}", lowered, suffix);
    if (lowered != name && validate_image_reference(example).ok()) {
      return invalid_image(
          image, fmt::format("repository names must be lowercase, for example \"{}\"", example));
    }
    return invalid_image(image, fmt::format("path component \"{}\" must be lowercase letters "
                                            "and digits joined by '.', '_', \"__\" or '-'",
                                            component));
  }
  return Status::Ok();
}

}  // namespace

Status validate_dns1123_label(std::string_view value, std::string_view subject) {
  return check_dns1123_label(value, subject, 1);
}

Status validate_container_name(std::string_view name) {
  return check_dns1123_label(name, "container name", 2);
}

Status validate_label_key(std::string_view key) {
  if (key.empty()) {
    return invalid("label key is empty: use a name such as \"app\" or \"example.com/tier\"");
  }

  std::string_view name = key;
  auto slash = key.find('/');
  if (slash != std::string_view::npos) {
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (!is_dns1123_subdomain(prefix)) {
      return invalid(
          fmt::format("label key \"{}\" is invalid: the prefix \"{}\" must be a "
                      "lowercase DNS name such as \"example.com\"",
                      key, prefix));
    }
  }

  if (!is_label_token(name)) {
    return invalid(
        fmt::format("label key \"{}\" is invalid: the name after an optional "
                    "\"prefix/\" must be 1 to {} letters, digits, '-', '_' or '.', "
                    "starting and ending with a letter or digit",
                    key, kMaxNameLength));
  }
  return Status::Ok();
}

Status validate_label_value(std::string_view key, std::string_view value) {
  if (value.empty() || is_label_token(value)) {
    return Status::Ok();
  }
  return invalid(
      fmt::format("label value \"{}\" of key \"{}\" is invalid: use at most {} "
                  "letters, digits, '-', '_' or '.', starting and ending with a "
                  "letter or digit",
                  value, key, kMaxNameLength));
}

Status validate_image_reference(std::string_view image) {
  if (image.empty()) {
    return invalid("image is empty: set a reference such as \"busybox:1.36\"");
  }
  for (char c : image) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return invalid_image(image, "it contains whitespace or a control character");
    }
  }

  std::string_view name = image;
  std::string_view suffix;
  if (auto at = name.find('@'); at != std::string_view::npos) {
    std::string problem = digest_problem(name.substr(at + 1));
    if (!problem.empty()) {
      return invalid_image(image, problem);
    }
    suffix = name.substr(at);
    name = name.substr(0, at);
  }

  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = name.substr(colon + 1);
    if (tag.empty()) {
      return invalid_image(image,
                           "the tag after ':' is empty: remove the ':' or name a tag "
                           "such as \"latest\"");
    }
    if (!is_tag(tag)) {
      return invalid_image(image, fmt::format("tag \"{}\" must be 1 to {} letters, digits, '_', "
                                              "'.' or '-', not starting with '.' or '-'",
                                              tag, kMaxTagLength));
    }
    suffix = image.substr(colon);
    name = name.substr(0, colon);
  }

  if (name.empty()) {
    return invalid_image(image,
                         "the repository name before the tag or digest is missing, for "
                         "example \"busybox:latest\"");
  }
  return check_image_name(image, name, suffix);
}

Status validate_env_name(std::string_view name) {
  bool valid = !name.empty() && !is_digit(name.front());
  for (char c : name) {
    valid = valid && (is_alnum(c) || c == '_');
  }
  if (valid) {
    return Status::Ok();
  }

  std::string example;
  for (char c : name) {
    example += is_alnum(c) ? c : '_';
  }
  if (example.empty() || is_digit(example.front())) {
    example.insert(0, "_");
  }
  return invalid(
      fmt::format("environment variable name \"{}\" is invalid: use letters, digits "
                  "and '_', not starting with a digit, for example \"{}\"",
                  name, example));
}

}  // namespace raictl
