#include "core/process.h"

#include <csignal>
#include <cstdlib>

namespace raictl {

namespace {

std::atomic<bool>* stop_flag = nullptr;

void on_stop_signal(int /*signal*/) {
  if (stop_flag != nullptr) {
    stop_flag->store(true);
  }
}

}  // namespace

void install_signal_handlers(std::atomic<bool>& stop) {
  stop_flag = &stop;
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

const char* default_redis_url() {
  const char* url = std::getenv("RAICTL_REDIS");
  return url != nullptr && *url != '\0' ? url : "redis://127.0.0.1:6379/0";
}

}  // namespace raictl
