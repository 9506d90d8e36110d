#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "runtime/runtime_types.h"

namespace raictl {

// Splits the multiplexed stream that dockerd sends for the logs and attach endpoints of a
// container without a TTY. Each frame is an 8-byte header followed by the payload:
//   byte 0     stream (0 stdin, 1 stdout, 2 stderr)
//   bytes 1-3  zero
//   bytes 4-7  payload size, big-endian
// Input may arrive in pieces of any size, so a frame split across feed() calls is
// reassembled.
//
// Not thread-safe; one demuxer per stream.
class LogDemuxer {
 public:
  // Appends the payloads of every complete frame in `bytes` to their stream. A header
  // that does not have the shape above is kInternal, and the demuxer keeps failing after it.
  Status feed(std::string_view bytes);

  // Returns kInternal when the input ended inside a frame, so a truncated reply is not
  // mistaken for the whole output.
  Status finish() const;

  const ContainerLogs& logs() const { return logs_; }
  ContainerLogs take_logs() { return std::move(logs_); }

 private:
  static constexpr size_t kHeaderSize = 8;

  ContainerLogs logs_;
  std::string pending_;  // an incomplete header or payload from the previous feed()
  bool failed_ = false;
};

}  // namespace raictl
