#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>
#include <mutex>

namespace raictl {

namespace {

spdlog::level::level_enum level_from_environment() {
  const char* text = std::getenv("RAICTL_LOG_LEVEL");
  if (text == nullptr || *text == '\0') {
    return spdlog::level::info;
  }
  return spdlog::level::from_str(text);
}

}  // namespace

std::shared_ptr<spdlog::logger> component_logger(const std::string& component) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);

  if (auto existing = spdlog::get(component)) {
    return existing;
  }

  auto logger = spdlog::stderr_color_mt(component);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%L%$ %n: %v");
  logger->set_level(level_from_environment());
  return logger;
}

}  // namespace raictl
