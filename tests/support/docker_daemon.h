#pragma once

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace raictl::testing {

// A private dockerd for tests, started with scripts/dockerd.sh in a temporary directory,
// by default inside its own network namespace (raictl-t-XXXXXX) so that its bridges and
// iptables stay out of the host's. Containers on one bridge reach each other there;
// nothing has a route out of the namespace. The image kImage is built with
// scripts/make-image.sh unless disabled.
//
// Starting a daemon takes about a second, so a test program shares one through shared().
// The destructor removes every container, stops the daemon by pid and deletes the
// namespace. If the test process dies first, the script's watcher stops the daemon.
// NOTE: after such a death the namespace and the temporary directory are left behind
// (`ip netns list` shows raictl-t-* namespaces).
//
// Failures to start throw std::runtime_error with the script's output.
class DockerDaemon {
 public:
  static constexpr const char* kImage = "raictl/busybox:latest";

  struct Options {
    bool network_namespace = true;  // run inside a namespace created for this daemon
    bool iptables = false;          // let dockerd program iptables (--iptables)
    bool build_image = true;        // run scripts/make-image.sh after start
  };

  DockerDaemon() : DockerDaemon(Options{}) {}
  explicit DockerDaemon(Options options);
  ~DockerDaemon();
  DockerDaemon(const DockerDaemon&) = delete;
  DockerDaemon& operator=(const DockerDaemon&) = delete;

  // The daemon every test of this program shares, started on first use and stopped at
  // exit.
  static DockerDaemon& shared();

  void start();
  // Removes every container and stops the daemon; start() brings it back with its images.
  void stop();

  const std::string& socket_path() const { return socket_path_; }
  const std::string& directory() const { return dir_.path(); }
  // Name of the network namespace, empty when the daemon runs in the caller's.
  const std::string& netns() const { return netns_; }

  // `argv` prefixed so that it runs inside the daemon's network namespace (unchanged
  // without one), for run_command.
  std::vector<std::string> in_netns(std::vector<std::string> argv) const;
  // Debian's docker CLI (/usr/bin/docker, API 1.41) aimed at this daemon, followed by `args`.
  std::vector<std::string> docker_cli(const std::vector<std::string>& args) const;

 private:
  void run_script(const std::vector<std::string>& argv) const;

  Options options_;
  TempDir dir_{"raictl-dockerd"};
  std::string socket_path_;
  std::string netns_;
  bool running_ = false;
};

}  // namespace raictl::testing
