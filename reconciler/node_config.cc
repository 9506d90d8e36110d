#include "reconciler/node_config.h"

#include "core/quantity.h"
#include "fmt/format.h"

namespace raictl::reconciler {

namespace {

constexpr int kBeatsPerGrace = 3;

// Milliseconds as a number of seconds the way a flag takes it: "2", "1.5", "1.666". Exact,
// where "{:g}" could round a suggested maximum up past the limit.
std::string seconds_text(int64_t ms) {
  std::string text = fmt::format("{}.{:03}", ms / 1000, ms % 1000);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') {
    text.pop_back();
  }
  return text;
}

}  // namespace

Result<int64_t> parse_cpus_flag(std::string_view text) {
  auto millis = parse_cpu(text);
  if (!millis) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("invalid --cpus \"{}\": use a number of CPUs greater than zero "
                                  "with at most three decimals, such as 2 or 1.5, or leave "
                                  "--cpus out to use the CPUs Docker reports",
                                  text));
  }
  return *millis;
}

Result<int64_t> parse_memory_flag(std::string_view text) {
  auto bytes = parse_memory(text);
  if (!bytes) {
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("invalid --memory \"{}\": use a size greater than zero such as 2Gi, 1536Mi "
                    "or 4G (Ki, Mi, Gi, Ti are 1024-based and k, M, G, T 1000-based), or leave "
                    "--memory out to use the memory Docker reports",
                    text));
  }
  return *bytes;
}

Status check_heartbeat_interval(const nlohmann::json& settings,
                                std::chrono::milliseconds interval) {
  auto grace = settings.find("nodeGraceMs");
  if (grace == settings.end()) {
    return Status::Ok();
  }
  if (!grace->is_number()) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("cluster setting nodeGraceMs is not a number of milliseconds: {}",
                                  grace->dump()));
  }

  int64_t grace_ms = grace->is_number_integer() ? grace->get<int64_t>()
                                                : static_cast<int64_t>(grace->get<double>());
  int64_t interval_ms = interval.count();
  if (grace_ms >= kBeatsPerGrace * interval_ms) {
    return Status::Ok();
  }
  return make_error(
      ErrorCode::kInvalidArgument,
      fmt::format("--heartbeat-interval {} is too long for the cluster's node grace of {} s "
                  "(nodeGraceMs {}, from raictl-controller --node-grace): the grace must be at "
                  "least {} heartbeat intervals, or one late heartbeat makes this host "
                  "NotReady; set --heartbeat-interval {} or less, or restart raictl-controller "
                  "with --node-grace {} or more",
                  seconds_text(interval_ms), seconds_text(grace_ms), grace_ms, kBeatsPerGrace,
                  seconds_text(grace_ms / kBeatsPerGrace),
                  seconds_text(kBeatsPerGrace * interval_ms)));
}

}  // namespace raictl::reconciler
