#pragma once

#include <chrono>

namespace raictl::reconciler {

// Restart delays for a crashing container: initial, doubled on each crash up to maximum.
// A container that ran longer than `reset_after` before it crashed waits only `initial`
// before its next restart, so an occasional crash is not delayed by old ones.
struct BackoffPolicy {
  std::chrono::milliseconds initial{10'000};
  std::chrono::milliseconds maximum{300'000};
  std::chrono::milliseconds reset_after{600'000};
};

// Delay before restart number `restarts + 1` (restarts counts those already done).
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int restarts);

}  // namespace raictl::reconciler
