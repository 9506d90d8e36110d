#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "runtime/container_runtime.h"
#include "runtime/docker_client.h"

namespace raictl {

// Splits a byte stream into newline-terminated lines, keeping a partial last line until
// the rest arrives. Not thread-safe.
class LineSplitter {
 public:
  // Appends `bytes` and calls `on_line` for every line completed, without the newline.
  template <typename OnLine>
  void feed(std::string_view bytes, OnLine&& on_line) {
    buffer_.append(bytes);
    size_t start = 0;
    for (size_t end = buffer_.find('\n'); end != std::string::npos;
         end = buffer_.find('\n', start)) {
      on_line(std::string_view(buffer_).substr(start, end - start));
      start = end + 1;
    }
    buffer_.erase(0, start);
  }

  void clear() { buffer_.clear(); }

 private:
  std::string buffer_;
};

// A long-lived GET /events on its own thread, implementing EventWatch for DockerRuntime.
//
// The thread drives one curl transfer through a multi handle and waits in
// curl_multi_poll, which cancel() interrupts with curl_multi_wakeup, so cancelling does not
// wait for the next event. When the stream drops (dockerd restarted, socket gone), the
// thread reports the error and waits a backoff that grows from 0.5 s to 5 s. It then
// reconnects with `since` set just past the last event it delivered, so events still in
// the daemon's buffer are neither lost nor repeated.
//
// NOTE: cancel() is prompt except while the thread reads the API version from a daemon
// that accepts connections but does not reply; that read is bounded by call_timeout.
class DockerEventStream : public EventWatch {
 public:
  // `client` must outlive the stream.
  DockerEventStream(DockerClient& client, EventFilter filter, EventHandlers handlers);
  ~DockerEventStream() override;
  DockerEventStream(const DockerEventStream&) = delete;
  DockerEventStream& operator=(const DockerEventStream&) = delete;

  void cancel() override;

 private:
  void run();
  // One connection: returns Ok when cancelled, the error when the stream dropped.
  Status stream_once();
  std::string events_path() const;
  void deliver_line(std::string_view line);
  void report_request_ready();
  void report_connection(const Status& status);
  // Sleeps up to `duration`; returns false when cancelled meanwhile.
  bool wait_for(std::chrono::milliseconds duration);

  static size_t on_body(char* data, size_t size, size_t count, void* self);
  static size_t on_header(char* data, size_t size, size_t count, void* self);
  static int on_request_ready(void* self, char*, char*, int, int);

  DockerClient& client_;
  EventFilter filter_;
  EventHandlers handlers_;

  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  CURLM* multi_ = nullptr;  // owned; created before the thread starts, freed after it ends

  // Used only by the stream thread.
  LineSplitter lines_;
  std::string error_body_;  // body of a non-200 reply
  long header_status_ = 0;
  bool request_ready_ = false;
  std::optional<bool> last_reported_connected_;
  // Time of the last delivered event, or of the watch's creation before the first one.
  int64_t last_event_nanos_ = 0;

  std::thread thread_;
};

}  // namespace raictl
