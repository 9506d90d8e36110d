#include "runtime/fake_host_network.h"

#include <utility>

namespace raictl {

namespace {

// The MTU the kernel gives a VXLAN device created without one: its underlay device's MTU minus
// the VXLAN headers, or 1500 when no underlay device is named.
int default_vxlan_mtu(int underlay_mtu) {
  constexpr int kEthernetMtu = 1500;
  return underlay_mtu > 0 ? vxlan_mtu_for_underlay(underlay_mtu) : kEthernetMtu;
}

}  // namespace

void FakeHostNetwork::add_device(const std::string& name, int mtu,
                                 std::set<std::string> addresses) {
  std::lock_guard lock(mutex_);
  devices_[name] = Device{Kind::kDevice, mtu, std::move(addresses), {}};
}

void FakeHostNetwork::add_bridge(const std::string& name, int mtu) {
  std::lock_guard lock(mutex_);
  devices_[name] = Device{Kind::kBridge, mtu, {}, {}};
}

void FakeHostNetwork::remove_device(const std::string& name) {
  std::lock_guard lock(mutex_);
  devices_.erase(name);
}

void FakeHostNetwork::fail_next(Operation operation, const Error& error, int count) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < count; ++i) {
    queued_failures_[operation].push_back(error);
  }
}

std::optional<FakeHostNetwork::VxlanDevice> FakeHostNetwork::vxlan(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto found = devices_.find(name);
  if (found == devices_.end() || found->second.kind != Kind::kVxlan) {
    return std::nullopt;
  }
  return found->second.vxlan;
}

int FakeHostNetwork::vxlan_creations() const {
  std::lock_guard lock(mutex_);
  return vxlan_creations_;
}

int FakeHostNetwork::calls(Operation operation) const {
  std::lock_guard lock(mutex_);
  auto found = calls_.find(operation);
  return found == calls_.end() ? 0 : found->second;
}

std::optional<Error> FakeHostNetwork::begin_call(Operation operation) {
  ++calls_[operation];

  auto& queue = queued_failures_[operation];
  if (queue.empty()) {
    return std::nullopt;
  }
  Error error = std::move(queue.front());
  queue.erase(queue.begin());
  return error;
}

Result<FakeHostNetwork::Device*> FakeHostNetwork::find_vxlan(const std::string& name) {
  auto found = devices_.find(name);
  if (found == devices_.end()) {
    return missing_vxlan_error(name);
  }
  switch (found->second.kind) {
    case Kind::kVxlan:
      return &found->second;
    case Kind::kBridge:
      return not_vxlan_error(name, "bridge");
    case Kind::kDevice:
      return not_vxlan_error(name, "physical");
  }
  return not_vxlan_error(name, "unknown");
}

Status FakeHostNetwork::ensure_vxlan(const VxlanSpec& spec) {
  std::lock_guard lock(mutex_);
  if (auto error = begin_call(Operation::kEnsureVxlan)) {
    return *error;
  }
  if (auto status = validate_vxlan_spec(spec); !status) {
    return status;
  }

  auto bridge = devices_.find(spec.bridge);
  if (bridge == devices_.end()) {
    return missing_bridge_error(spec.name, spec.bridge);
  }
  if (bridge->second.kind != Kind::kBridge) {
    return not_bridge_error(spec.name, spec.bridge,
                            bridge->second.kind == Kind::kVxlan ? "vxlan" : "physical");
  }
  int underlay_mtu = 0;
  if (!spec.underlay_device.empty()) {
    auto underlay = devices_.find(spec.underlay_device);
    if (underlay == devices_.end()) {
      return missing_underlay_error(spec.name, spec.underlay_device);
    }
    underlay_mtu = underlay->second.mtu;
  }

  auto existing = devices_.find(spec.name);
  if (existing != devices_.end() && existing->second.kind != Kind::kVxlan) {
    return not_vxlan_error(spec.name,
                           existing->second.kind == Kind::kBridge ? "bridge" : "physical");
  }

  // Only these settings force a re-creation in the kernel, while the MTU and bridge change in
  // place.
  const VxlanSpec* current = existing == devices_.end() ? nullptr : &existing->second.vxlan.spec;
  bool recreate =
      current == nullptr || current->vni != spec.vni || current->port != spec.port ||
      current->local_address != spec.local_address ||
      (!spec.underlay_device.empty() && current->underlay_device != spec.underlay_device);
  if (recreate) {
    Device device;
    device.kind = Kind::kVxlan;
    device.mtu = spec.mtu > 0 ? spec.mtu : default_vxlan_mtu(underlay_mtu);
    devices_[spec.name] = device;
    ++vxlan_creations_;
  }

  Device& device = devices_[spec.name];
  if (spec.mtu > 0) {
    device.mtu = spec.mtu;
  }
  device.vxlan.spec = spec;
  device.vxlan.spec.mtu = device.mtu;
  device.vxlan.up = true;
  return Status::Ok();
}

Status FakeHostNetwork::sync_peers(const std::string& vxlan,
                                   const std::set<std::string>& peer_addresses) {
  std::lock_guard lock(mutex_);
  if (auto error = begin_call(Operation::kSyncPeers)) {
    return *error;
  }
  if (auto status = validate_device_name(vxlan, "vxlan device"); !status) {
    return status;
  }
  if (auto status = validate_peer_addresses(vxlan, peer_addresses); !status) {
    return status;
  }

  auto device = find_vxlan(vxlan);
  if (!device) {
    return device.error();
  }
  (*device)->vxlan.peers = peer_addresses;
  return Status::Ok();
}

Result<std::set<std::string>> FakeHostNetwork::list_peers(const std::string& vxlan) {
  std::lock_guard lock(mutex_);
  if (auto error = begin_call(Operation::kListPeers)) {
    return *error;
  }
  if (auto status = validate_device_name(vxlan, "vxlan device"); !status) {
    return status.error();
  }

  auto device = find_vxlan(vxlan);
  if (!device) {
    return device.error();
  }
  return (*device)->vxlan.peers;
}

Status FakeHostNetwork::remove_vxlan(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto error = begin_call(Operation::kRemoveVxlan)) {
    return *error;
  }
  if (auto status = validate_device_name(name, "vxlan device"); !status) {
    return status;
  }

  auto device = find_vxlan(name);
  if (!device) {
    // A missing device is already the requested state. A device of another kind stays.
    return device.code() == ErrorCode::kNotFound ? Status::Ok() : Status(device.error());
  }
  devices_.erase(name);
  return Status::Ok();
}

Result<int> FakeHostNetwork::device_mtu(const std::string& device) {
  std::lock_guard lock(mutex_);
  if (auto error = begin_call(Operation::kDeviceMtu)) {
    return *error;
  }
  if (auto status = validate_device_name(device, "device"); !status) {
    return status.error();
  }

  auto found = devices_.find(device);
  if (found == devices_.end()) {
    return missing_device_error(device);
  }
  return found->second.mtu;
}

Result<std::string> FakeHostNetwork::device_for_address(const std::string& address) {
  std::lock_guard lock(mutex_);
  if (auto error = begin_call(Operation::kDeviceForAddress)) {
    return *error;
  }
  if (!is_ipv4_address(address)) {
    return invalid_address_error(address);
  }

  for (const auto& [name, device] : devices_) {
    if (device.addresses.contains(address)) {
      return name;
    }
  }
  return missing_address_error(address);
}

}  // namespace raictl
