#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace raictl {

// Expected failures travel as values, not exceptions: a full pool, a name already taken,
// Redis or Docker unreachable. Exceptions thrown by yaml-cpp, nlohmann/json and CLI11 are
// caught at the one place that calls them and turned into an Error there.
enum class ErrorCode {
  kInvalidArgument,  // the caller's input is wrong; the message names the value and the fix
  kNotFound,
  kConflict,     // the name or address is held by someone else; the message names the holder
  kExhausted,    // a pool has no free address
  kUnavailable,  // a server (Redis, dockerd) cannot be reached
  kTimeout,
  kFenced,    // a leader-only write by a controller that no longer holds the lease
  kInternal,  // a reply or state that should not happen; logged and surfaced, never asserted
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

// Result<T> contains either a T or an Error. Accessing the wrong side is a programming error
// and asserts in debug builds.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }
  ErrorCode code() const { return error().code; }

 private:
  std::variant<T, Error> state_;
};

// Status is Result<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  static Status Ok() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }
  ErrorCode code() const { return error().code; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace raictl
