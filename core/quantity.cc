#include "core/quantity.h"

#include <array>
#include <limits>

#include "fmt/format.h"

namespace raictl {

namespace {

// More decimal places than this would overflow the int64 scale of the fraction.
constexpr size_t kMaxDecimalPlaces = 18;

struct Unit {
  std::string_view suffix;
  int64_t multiplier;
  bool binary;
};

constexpr int64_t kKi = int64_t{1} << 10;

// Binary units first, so that format_memory prefers them on a tie.
constexpr std::array<Unit, 13> kMemoryUnits = {{
    {"Ei", kKi* kKi* kKi* kKi* kKi* kKi, true},
    {"Pi", kKi* kKi* kKi* kKi* kKi, true},
    {"Ti", kKi* kKi* kKi* kKi, true},
    {"Gi", kKi* kKi* kKi, true},
    {"Mi", kKi* kKi, true},
    {"Ki", kKi, true},
    {"E", 1'000'000'000'000'000'000, false},
    {"P", 1'000'000'000'000'000, false},
    {"T", 1'000'000'000'000, false},
    {"G", 1'000'000'000, false},
    {"M", 1'000'000, false},
    {"k", 1'000, false},
    {"", 1, false},
}};

// A non-negative decimal number as written, split at the point, and the unit after it.
struct Decimal {
  int64_t whole = 0;
  int64_t fraction = 0;        // the digits after the point as an integer
  int64_t fraction_scale = 1;  // 10^(number of digits after the point)
  bool overflow = false;       // the whole part does not fit in int64
  std::string_view unit;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads `<digits>[.<digits>]` and leaves the rest in `unit`. Returns "" on success, else
// why the number part is malformed.
std::string split_decimal(std::string_view text, Decimal& out) {
  size_t i = 0;
  size_t whole_start = i;
  while (i < text.size() && is_digit(text[i])) {
    out.overflow = out.overflow || __builtin_mul_overflow(out.whole, 10, &out.whole) ||
                   __builtin_add_overflow(out.whole, text[i] - '0', &out.whole);
    ++i;
  }
  if (i == whole_start) {
    return "it does not start with a digit";
  }

  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t fraction_start = i;
    while (i < text.size() && is_digit(text[i])) {
      if (i - fraction_start == kMaxDecimalPlaces) {
        return "it has too many decimal places";
      }
      out.fraction = out.fraction * 10 + (text[i] - '0');
      out.fraction_scale *= 10;
      ++i;
    }
    if (i == fraction_start) {
      return "a digit must follow the decimal point";
    }
    if (i < text.size() && text[i] == '.') {
      return "it has more than one decimal point";
    }
  }

  out.unit = text.substr(i);
  return "";
}

// Computes whole * multiplier + fraction * multiplier / scale. Returns false on int64
// overflow or when the result is not a whole number of base units.
bool scale_decimal(const Decimal& number, int64_t multiplier, int64_t& result, bool& inexact) {
  int64_t whole = 0;
  int64_t fraction = 0;
  inexact = false;
  if (number.overflow || __builtin_mul_overflow(number.whole, multiplier, &whole) ||
      __builtin_mul_overflow(number.fraction, multiplier, &fraction)) {
    return false;
  }
  if (fraction % number.fraction_scale != 0) {
    inexact = true;
    return false;
  }
  return !__builtin_add_overflow(whole, fraction / number.fraction_scale, &result);
}

Error invalid(std::string_view subject, std::string_view text, std::string_view reason) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("{} \"{}\" is invalid: {}", subject, text, reason));
}

// Suggests both readings of a unit that looks like Docker's or a file size's ("64m",
// "64Mb", "64MB", "64KiB"). Returns "" when the unit does not start with a known letter.
std::string unit_suggestion(std::string_view number, std::string_view unit) {
  if (unit.empty()) {
    return "";
  }
  char letter = unit.front();
  if (letter >= 'A' && letter <= 'Z') {
    letter = static_cast<char>(letter - 'A' + 'a');
  }
  if (std::string_view("kmgtpe").find(letter) == std::string_view::npos) {
    return "";
  }

  char upper = static_cast<char>(letter - 'a' + 'A');
  char decimal = letter == 'k' ? 'k' : upper;
  return fmt::format("use {}{}i (1024-based) or {}{} (1000-based)", number, upper, number, decimal);
}

size_t digit_count(int64_t value) {
  return fmt::format("{}", value).size();
}

}  // namespace

Result<int64_t> parse_cpu(std::string_view text) {
  constexpr std::string_view kHelp = "use cores (\"0.5\", \"2\") or millicores (\"250m\")";

  if (text.starts_with('-')) {
    return invalid("cpu", text, "it must be greater than zero; omit cpu for no limit");
  }

  Decimal number;
  std::string problem = split_decimal(text, number);
  if (!problem.empty()) {
    return invalid("cpu", text, fmt::format("{}; {}", problem, kHelp));
  }

  int64_t multiplier = 1000;
  if (number.unit == "m") {
    multiplier = 1;
  } else if (!number.unit.empty()) {
    return invalid("cpu", text, fmt::format("unknown unit \"{}\"; {}", number.unit, kHelp));
  }

  int64_t millis = 0;
  bool inexact = false;
  if (!scale_decimal(number, multiplier, millis, inexact)) {
    if (inexact) {
      return invalid("cpu", text, "the smallest unit is 1m (0.001 cores)");
    }
    return invalid("cpu", text,
                   fmt::format("it exceeds the maximum of {} cores", kMaxCpuMillis / 1000));
  }

  if (millis == 0) {
    return invalid("cpu", text, "it must be greater than zero; omit cpu for no limit");
  }
  if (millis > kMaxCpuMillis) {
    return invalid("cpu", text,
                   fmt::format("it exceeds the maximum of {} cores", kMaxCpuMillis / 1000));
  }
  return millis;
}

std::string format_cpu(int64_t millis) {
  if (millis % 1000 == 0) {
    return fmt::format("{}", millis / 1000);
  }
  return fmt::format("{}m", millis);
}

Result<int64_t> parse_memory(std::string_view text) {
  constexpr std::string_view kHelp =
      "use bytes with an optional unit Ki, Mi, Gi, Ti (1024-based) or k, M, G, T "
      "(1000-based), for example \"64Mi\"";

  if (text.starts_with('-')) {
    return invalid("memory", text, "it must be greater than zero; omit memory for no limit");
  }

  Decimal number;
  std::string problem = split_decimal(text, number);
  if (!problem.empty()) {
    return invalid("memory", text, fmt::format("{}; {}", problem, kHelp));
  }

  const Unit* unit = nullptr;
  for (const Unit& candidate : kMemoryUnits) {
    if (candidate.suffix == number.unit) {
      unit = &candidate;
    }
  }
  if (unit == nullptr) {
    std::string_view digits = text.substr(0, text.size() - number.unit.size());
    std::string suggestion = unit_suggestion(digits, number.unit);
    if (suggestion.empty()) {
      return invalid("memory", text, fmt::format("unknown unit \"{}\"; {}", number.unit, kHelp));
    }
    return invalid("memory", text, fmt::format("unknown unit \"{}\"; {}", number.unit, suggestion));
  }

  int64_t bytes = 0;
  bool inexact = false;
  if (!scale_decimal(number, unit->multiplier, bytes, inexact)) {
    if (inexact) {
      return invalid("memory", text, "it is not a whole number of bytes");
    }
    return invalid(
        "memory", text,
        fmt::format("it exceeds the maximum of {} bytes", std::numeric_limits<int64_t>::max()));
  }

  if (bytes == 0) {
    return invalid("memory", text, "it must be greater than zero; omit memory for no limit");
  }
  return bytes;
}

std::string format_memory(int64_t bytes) {
  std::string best = fmt::format("{}", bytes);
  if (bytes <= 0) {
    return best;
  }

  for (const Unit& unit : kMemoryUnits) {
    if (bytes % unit.multiplier != 0) {
      continue;
    }
    int64_t mantissa = bytes / unit.multiplier;
    if (digit_count(mantissa) + unit.suffix.size() < best.size()) {
      best = fmt::format("{}{}", mantissa, unit.suffix);
    }
  }
  return best;
}

}  // namespace raictl
