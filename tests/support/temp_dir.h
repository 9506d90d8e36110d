#pragma once

#include <string>

namespace raictl::testing {

// A directory under $TMPDIR (or /tmp) removed with its contents when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "raictl-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Returns a TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then
// closed). Another process can take it in between, which is acceptable for tests.
int free_tcp_port();

}  // namespace raictl::testing
