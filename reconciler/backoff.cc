#include "reconciler/backoff.h"

namespace raictl::reconciler {

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int restarts) {
  auto delay = policy.initial;
  for (int i = 0; i < restarts && delay < policy.maximum; ++i) {
    delay *= 2;
  }
  return delay < policy.maximum ? delay : policy.maximum;
}

}  // namespace raictl::reconciler
