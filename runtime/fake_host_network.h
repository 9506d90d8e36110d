#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "runtime/host_network.h"

namespace raictl {

// An in-memory HostNetwork for unit tests of code that wires hosts. It starts with no devices;
// tests add the host's devices and bridges, then read back what the code under test did.
// Validation and the errors of missing or mismatched devices match NetlinkHostNetwork, and a
// VXLAN device that is created again loses its peers, as in the kernel.
//
// Thread-safe: one mutex guards all state.
class FakeHostNetwork final : public HostNetwork {
 public:
  enum class Operation {
    kEnsureVxlan,
    kSyncPeers,
    kListPeers,
    kRemoveVxlan,
    kDeviceMtu,
    kDeviceForAddress,
  };

  // A VXLAN device as ensure_vxlan left it.
  struct VxlanDevice {
    VxlanSpec spec;  // spec.mtu is the MTU the device has, never 0
    std::set<std::string> peers;
    bool up = false;
  };

  // Adds a device that is not a bridge, such as the underlay ethernet device, with its IPv4
  // addresses. Replaces a device of the same name.
  void add_device(const std::string& name, int mtu, std::set<std::string> addresses = {});
  void add_bridge(const std::string& name, int mtu = 1500);
  // Removes a device of any kind, as if someone deleted it behind the code's back.
  void remove_device(const std::string& name);

  // Makes the next `count` calls of `operation` return `error` without changing anything.
  void fail_next(Operation operation, const Error& error, int count = 1);

  std::optional<VxlanDevice> vxlan(const std::string& name) const;
  // Number of VXLAN devices created so far, re-creations included.
  int vxlan_creations() const;
  // Number of calls of `operation` so far, failed ones included.
  int calls(Operation operation) const;

  Status ensure_vxlan(const VxlanSpec& spec) override;
  Status sync_peers(const std::string& vxlan, const std::set<std::string>& peer_addresses) override;
  Result<std::set<std::string>> list_peers(const std::string& vxlan) override;
  Status remove_vxlan(const std::string& name) override;
  Result<int> device_mtu(const std::string& device) override;
  Result<std::string> device_for_address(const std::string& address) override;

 private:
  enum class Kind { kDevice, kBridge, kVxlan };

  struct Device {
    Kind kind = Kind::kDevice;
    int mtu = 1500;
    std::set<std::string> addresses;
    VxlanDevice vxlan;  // set for kVxlan only
  };

  // Counts the call and, when a failure is queued for `operation`, removes and returns it.
  std::optional<Error> begin_call(Operation operation);
  // Returns the VXLAN device `name` or the same error NetlinkHostNetwork returns.
  Result<Device*> find_vxlan(const std::string& name);

  mutable std::mutex mutex_;
  std::map<std::string, Device> devices_;
  std::map<Operation, std::vector<Error>> queued_failures_;
  std::map<Operation, int> calls_;
  int vxlan_creations_ = 0;
};

}  // namespace raictl
