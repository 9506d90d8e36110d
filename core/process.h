#pragma once

#include <atomic>

namespace raictl {

// Process setup shared by the raictl binaries.
//
// Ignores SIGPIPE, because hiredis and libcurl write to sockets that the peer may have
// closed and the write must fail with EPIPE instead of killing the process. Installs
// SIGINT and SIGTERM handlers that set `stop`, so that loops can finish their current step.
// Call once from main(), before starting threads. `stop` must outlive the process's use of
// it (a static in main's file).
void install_signal_handlers(std::atomic<bool>& stop);

// Default store URL for every binary: RAICTL_REDIS if set, else redis://127.0.0.1:6379/0.
const char* default_redis_url();

}  // namespace raictl
