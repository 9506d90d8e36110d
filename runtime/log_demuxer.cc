#include "runtime/log_demuxer.h"

#include <cstdint>

namespace raictl {

Status LogDemuxer::feed(std::string_view bytes) {
  if (failed_) {
    return make_error(ErrorCode::kInternal, "log stream from dockerd is malformed");
  }
  pending_.append(bytes);

  size_t offset = 0;
  while (pending_.size() - offset >= kHeaderSize) {
    auto header = reinterpret_cast<const unsigned char*>(pending_.data() + offset);
    unsigned stream = header[0];
    if (stream > 2 || header[1] != 0 || header[2] != 0 || header[3] != 0) {
      failed_ = true;
      return make_error(ErrorCode::kInternal,
                        "log stream from dockerd has an invalid frame header at byte " +
                            std::to_string(offset) + " (stream byte " + std::to_string(stream) +
                            "); a container with a TTY sends unframed output");
    }

    uint32_t size = (uint32_t{header[4]} << 24) | (uint32_t{header[5]} << 16) |
                    (uint32_t{header[6]} << 8) | uint32_t{header[7]};
    if (pending_.size() - offset - kHeaderSize < size) {
      break;
    }

    std::string_view payload(pending_.data() + offset + kHeaderSize, size);
    // Stream 0 (stdin) only appears when stdin is attached; it is kept with stdout.
    (stream == 2 ? logs_.stderr_text : logs_.stdout_text).append(payload);
    offset += kHeaderSize + size;
  }

  pending_.erase(0, offset);
  return Status::Ok();
}

Status LogDemuxer::finish() const {
  if (failed_) {
    return make_error(ErrorCode::kInternal, "log stream from dockerd is malformed");
  }
  if (!pending_.empty()) {
    return make_error(ErrorCode::kInternal, "log stream from dockerd ended inside a frame (" +
                                                std::to_string(pending_.size()) +
                                                " bytes left over)");
  }
  return Status::Ok();
}

}  // namespace raictl
