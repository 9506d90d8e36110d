#include "runtime/docker_event_stream.h"

#include <algorithm>
#include <cstdio>

#include "core/log.h"
#include "runtime/docker_error.h"
#include "runtime/docker_json.h"

namespace raictl {

namespace {

constexpr std::chrono::milliseconds kFirstBackoff{500};
constexpr std::chrono::milliseconds kMaxBackoff{5'000};
// Upper bound of one curl_multi_poll; cancel() wakes it earlier.
constexpr int kPollMilliseconds = 1'000;

int64_t nanos_since_epoch(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

// Docker's `since` takes seconds with an optional nanosecond fraction.
std::string docker_timestamp(int64_t nanos) {
  char text[48];
  std::snprintf(text, sizeof(text), "%lld.%09lld", static_cast<long long>(nanos / 1'000'000'000),
                static_cast<long long>(nanos % 1'000'000'000));
  return text;
}

}  // namespace

DockerEventStream::DockerEventStream(DockerClient& client, EventFilter filter,
                                     EventHandlers handlers)
    : client_(client),
      filter_(std::move(filter)),
      handlers_(std::move(handlers)),
      last_event_nanos_(nanos_since_epoch(std::chrono::system_clock::now())) {
  multi_ = curl_multi_init();
  thread_ = std::thread([this] { run(); });
}

DockerEventStream::~DockerEventStream() {
  cancel();
  if (multi_ != nullptr) {
    curl_multi_cleanup(multi_);
  }
}

void DockerEventStream::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  wake_.notify_all();
  if (multi_ != nullptr) {
    curl_multi_wakeup(multi_);
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

void DockerEventStream::run() {
  auto log = component_logger("docker");
  if (multi_ == nullptr) {
    report_connection(make_error(ErrorCode::kInternal, "watch events: curl_multi_init failed"));
    return;
  }

  std::chrono::milliseconds backoff = kFirstBackoff;
  while (!cancelled_) {
    auto started = std::chrono::steady_clock::now();
    Status result = stream_once();
    if (cancelled_) {
      break;
    }

    report_connection(result);
    // A stream that worked for a while starts over with a short backoff. One that fails
    // right away (daemon down, request rejected) backs off further each time.
    if (std::chrono::steady_clock::now() - started > kMaxBackoff) {
      backoff = kFirstBackoff;
    }
    log->debug("socket={} event stream reconnects in {} ms", client_.options().socket_path,
               backoff.count());
    if (!wait_for(backoff)) {
      break;
    }
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

std::string DockerEventStream::events_path() const {
  return "/events?filters=" + url_encode(event_filters(filter_)) +
         "&since=" + docker_timestamp(last_event_nanos_ + 1);
}

Status DockerEventStream::stream_once() {
  const std::string operation = "watch events";
  lines_.clear();
  error_body_.clear();
  header_status_ = 0;
  request_ready_ = false;

  auto prefix = client_.api_prefix();
  if (!prefix) {
    return make_error(prefix.code(), operation + ": " + prefix.error().message);
  }

  CurlEasy handle = client_.make_handle(*prefix + events_path());
  if (!handle) {
    return make_error(ErrorCode::kInternal, operation + ": curl_easy_init failed");
  }
  char error_text[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(handle.get(), CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(handle.get(), CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(handle.get(), CURLOPT_WRITEDATA, this);
  curl_easy_setopt(handle.get(), CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(handle.get(), CURLOPT_HEADERDATA, this);
  curl_easy_setopt(handle.get(), CURLOPT_PREREQFUNCTION, on_request_ready);
  curl_easy_setopt(handle.get(), CURLOPT_PREREQDATA, this);

  curl_multi_add_handle(multi_, handle.get());
  CURLcode transfer_result = CURLE_OK;
  bool done = false;
  while (!done && !cancelled_) {
    int running = 0;
    curl_multi_perform(multi_, &running);

    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg == CURLMSG_DONE) {
        transfer_result = message->data.result;
        done = true;
      }
    }
    if (!done) {
      curl_multi_poll(multi_, nullptr, 0, kPollMilliseconds, nullptr);
    }
  }
  curl_multi_remove_handle(multi_, handle.get());

  if (cancelled_) {
    return Status::Ok();
  }
  if (transfer_result != CURLE_OK) {
    return error_from_curl(transfer_result, error_text, operation, client_.options().socket_path,
                           std::chrono::milliseconds(0));
  }
  if (header_status_ != 200) {
    return error_from_docker_reply(header_status_, error_body_, operation);
  }
  return make_error(ErrorCode::kUnavailable, operation + ": dockerd at unix socket " +
                                                 client_.options().socket_path +
                                                 " ended the event stream");
}

int DockerEventStream::on_request_ready(void* self, char*, char*, int, int) {
  // The socket is connected and the request is about to go out. dockerd 20.10 sends the
  // response headers only with the first event, so this is the earliest sign of a working
  // stream. `since` covers the gap until the daemon registers the subscription.
  static_cast<DockerEventStream*>(self)->report_request_ready();
  return CURL_PREREQFUNC_OK;
}

size_t DockerEventStream::on_header(char* data, size_t size, size_t count, void* self) {
  auto* stream = static_cast<DockerEventStream*>(self);
  std::string_view line(data, size * count);
  // A status line of every response, including 1xx ones, starts with "HTTP/".
  if (line.starts_with("HTTP/")) {
    long status = 0;
    if (std::sscanf(std::string(line).c_str(), "HTTP/%*s %ld", &status) == 1) {
      stream->header_status_ = status;
    }
  }
  return size * count;
}

size_t DockerEventStream::on_body(char* data, size_t size, size_t count, void* self) {
  auto* stream = static_cast<DockerEventStream*>(self);
  std::string_view bytes(data, size * count);
  if (stream->header_status_ != 200) {
    stream->error_body_.append(bytes);
    return size * count;
  }
  stream->lines_.feed(bytes, [stream](std::string_view line) { stream->deliver_line(line); });
  return size * count;
}

void DockerEventStream::deliver_line(std::string_view line) {
  if (line.empty()) {
    return;
  }
  auto event = parse_event(line);
  if (!event) {
    component_logger("docker")->warn("socket={} skipped an event: {}",
                                     client_.options().socket_path, event.error().message);
    return;
  }
  if (!event->has_value()) {
    return;
  }

  last_event_nanos_ = std::max(last_event_nanos_, nanos_since_epoch((*event)->time));
  if (handlers_.on_event && !cancelled_) {
    handlers_.on_event(**event);
  }
}

void DockerEventStream::report_request_ready() {
  request_ready_ = true;
  report_connection(Status::Ok());
}

void DockerEventStream::report_connection(const Status& status) {
  // Only changes are reported, so a daemon that stays down does not repeat its error on
  // every retry.
  bool connected = status.ok();
  if (last_reported_connected_ && *last_reported_connected_ == connected) {
    return;
  }
  last_reported_connected_ = connected;

  auto log = component_logger("docker");
  if (connected) {
    log->info("socket={} event stream connected", client_.options().socket_path);
  } else {
    log->warn("socket={} event stream failed: {}", client_.options().socket_path,
              status.error().message);
  }
  if (handlers_.on_connection && !cancelled_) {
    handlers_.on_connection(status);
  }
}

bool DockerEventStream::wait_for(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, duration, [this] { return cancelled_.load(); });
}

}  // namespace raictl
