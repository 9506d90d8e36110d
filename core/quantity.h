#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace raictl {

// Resource quantities as manifests write them, in the Kubernetes notation.
//
// CPU is stored in millicores: "250m" is 250, "0.5" is 500, "2" is 2000. At most three
// decimals are accepted because 1m is the smallest unit.
//
// Memory is stored in bytes: a whole or decimal number with an optional unit, binary
// (Ki, Mi, Gi, Ti, Pi, Ei: powers of 1024) or decimal (k, M, G, T, P, E: powers of 1000).
// "64Mi" is 67108864, "128M" is 128000000, "1000" is 1000 bytes. Docker's own lowercase
// "m" (`docker run -m 64m`) is rejected with both readings suggested, because
// Kubernetes reads it as millibytes.
//
// Both parsers accept only values greater than zero: a manifest that wants no limit omits
// the field. Errors are kInvalidArgument and name the text as written.

// Upper bound on CPU, in millicores (one million cores). It keeps the conversion to
// Docker's NanoCpus (millicores * 10^6) far from int64 overflow.
inline constexpr int64_t kMaxCpuMillis = 1'000'000'000;

Result<int64_t> parse_cpu(std::string_view text);

// Prints millicores in canonical form: whole cores as a plain number ("2"), anything else
// in millicores ("250m", "1500m"). parse_cpu(format_cpu(x)) == x for every x > 0.
std::string format_cpu(int64_t millis);

Result<int64_t> parse_memory(std::string_view text);

// Prints bytes in canonical form: the shortest exact spelling, binary units preferred on a
// tie ("64Mi", "128M", "1k", "1500"). parse_memory(format_memory(x)) == x for every x > 0.
std::string format_memory(int64_t bytes);

}  // namespace raictl
