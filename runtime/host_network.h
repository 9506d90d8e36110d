#pragma once

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "core/result.h"

namespace raictl {

// Bytes that VXLAN over IPv4 adds to each frame: outer IPv4 (20), UDP (8), VXLAN (8) and the
// inner Ethernet header (14).
inline constexpr int kVxlanOverheadBytes = 50;

// The IANA-assigned VXLAN port. Linux uses 8472 for a device created without a port, so
// ensure_vxlan always sends the spec's port.
inline constexpr uint16_t kVxlanPort = 4789;

// The largest VNI: the field is 24 bits wide.
inline constexpr uint32_t kMaxVni = 16'777'215;

// Returns the MTU of a VXLAN device (and of the bridge behind it) whose packets leave through
// an underlay device of `underlay_mtu`, so that the encapsulated frames are not fragmented.
constexpr int vxlan_mtu_for_underlay(int underlay_mtu) {
  return underlay_mtu - kVxlanOverheadBytes;
}

// The VXLAN device that joins one host's bridge to the same bridge on every peer host.
struct VxlanSpec {
  std::string name;             // Linux interface name, at most 15 bytes
  uint32_t vni = 0;             // 0 to kMaxVni, the same on every host of the cluster subnet
  uint16_t port = kVxlanPort;   // UDP destination port, the same on every host
  std::string local_address;    // this host's underlay IPv4 address, the source of tunnel packets
  std::string underlay_device;  // device to send through, or empty to let the kernel route
  int mtu = 0;                  // 68 to 65535, or 0 for the kernel's default
  std::string bridge;           // the Docker network's bridge, which must already exist
};

// Whether `text` is a dotted-quad IPv4 address, as inet_pton(3) accepts it.
inline bool is_ipv4_address(const std::string& text) {
  in_addr parsed{};
  return inet_pton(AF_INET, text.c_str(), &parsed) == 1;
}

// Checks a Linux interface name the way the kernel does: 1 to 15 bytes, no '/', ':' or
// whitespace, and not "." or "..". `role` names the field in the message ("bridge").
inline Status validate_device_name(const std::string& name, std::string_view role) {
  constexpr size_t kMaxNameBytes = 15;  // IFNAMSIZ minus the terminating NUL
  if (name.empty() || name.size() > kMaxNameBytes) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} name '{}' is invalid: it must have 1 to {} bytes", role, name,
                                  kMaxNameBytes));
  }
  if (name == "." || name == ".." || name.find_first_of("/: \t\n") != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} name '{}' is invalid: it must not be '.' or '..' or "
                                  "contain '/', ':' or whitespace",
                                  role, name));
  }
  return Status::Ok();
}

// Checks every field of `spec` before anything is changed. kInvalidArgument names the field,
// its value and the accepted range.
inline Status validate_vxlan_spec(const VxlanSpec& spec) {
  if (auto status = validate_device_name(spec.name, "vxlan device"); !status) {
    return status;
  }
  if (auto status = validate_device_name(spec.bridge, "bridge"); !status) {
    return status;
  }
  if (!spec.underlay_device.empty()) {
    if (auto status = validate_device_name(spec.underlay_device, "underlay device"); !status) {
      return status;
    }
  }

  if (spec.vni > kMaxVni) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("vxlan {}: VNI {} is invalid: it must be 0 to {}", spec.name,
                                  spec.vni, kMaxVni));
  }
  if (spec.port == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("vxlan {}: UDP port 0 is invalid: use {} unless every host "
                                  "agrees on another port",
                                  spec.name, kVxlanPort));
  }
  if (!is_ipv4_address(spec.local_address)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("vxlan {}: local address '{}' is not an IPv4 address: use this "
                                  "host's underlay address, for example 192.0.2.10",
                                  spec.name, spec.local_address));
  }

  constexpr int kMinMtu = 68;  // the smallest MTU IPv4 allows (RFC 791)
  constexpr int kMaxMtu = 65535;
  if (spec.mtu != 0 && (spec.mtu < kMinMtu || spec.mtu > kMaxMtu)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("vxlan {}: MTU {} is invalid: it must be {} to {}, or 0 for "
                                  "the kernel's default",
                                  spec.name, spec.mtu, kMinMtu, kMaxMtu));
  }
  return Status::Ok();
}

// Checks that every peer is an IPv4 address. kInvalidArgument names the first one that is not.
inline Status validate_peer_addresses(const std::string& vxlan,
                                      const std::set<std::string>& peer_addresses) {
  for (const auto& peer : peer_addresses) {
    if (!is_ipv4_address(peer)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("vxlan {}: peer address '{}' is not an IPv4 address: use the "
                                    "peer host's underlay address",
                                    vxlan, peer));
    }
  }
  return Status::Ok();
}

// Errors that every implementation returns with the same code and message.

inline Error missing_bridge_error(const std::string& vxlan, const std::string& bridge) {
  return make_error(ErrorCode::kNotFound,
                    fmt::format("vxlan {}: bridge {} not found: the Docker network with bridge {} "
                                "must exist before its VXLAN device is attached",
                                vxlan, bridge, bridge));
}

inline Error not_bridge_error(const std::string& vxlan, const std::string& bridge,
                              const std::string& kind) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("vxlan {}: device {} is a {} device, not a bridge: name the "
                                "bridge of the Docker network",
                                vxlan, bridge, kind));
}

inline Error missing_underlay_error(const std::string& vxlan, const std::string& underlay) {
  return make_error(ErrorCode::kNotFound,
                    fmt::format("vxlan {}: underlay device {} not found: name a device of this "
                                "host, or leave it empty to let the kernel route",
                                vxlan, underlay));
}

inline Error missing_vxlan_error(const std::string& vxlan) {
  return make_error(
      ErrorCode::kNotFound,
      fmt::format("vxlan device {} not found: create it with ensure_vxlan first", vxlan));
}

inline Error missing_device_error(const std::string& device) {
  return make_error(ErrorCode::kNotFound, fmt::format("device {} not found", device));
}

inline Error invalid_address_error(const std::string& address) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("address '{}' is not an IPv4 address", address));
}

inline Error missing_address_error(const std::string& address) {
  return make_error(ErrorCode::kNotFound,
                    fmt::format("no device of this host has address {}: use one of the host's "
                                "own addresses as its underlay address",
                                address));
}

// `kind` is the rtnetlink kind of the device that has the name ("bridge", "dummy"), or
// "physical" for a device without one.
inline Error not_vxlan_error(const std::string& name, const std::string& kind) {
  return make_error(ErrorCode::kConflict,
                    fmt::format("device {} is a {} device, not a vxlan device: delete it or "
                                "choose another name for the vxlan device",
                                name, kind));
}

// The wiring of the host's network that lets containers on different hosts share one subnet.
// Each host has a VXLAN device enslaved to the Docker network's bridge, plus one flooding FDB
// entry (all-zero MAC) per peer host. Broadcast and unknown-unicast frames, ARP included, thus
// reach every peer over UDP. NetlinkHostNetwork talks to the kernel; FakeHostNetwork keeps
// everything in memory for unit tests.
//
// Every call checks its arguments first (kInvalidArgument) and then converges the kernel's
// state to them, so calling again with the same arguments changes nothing. Implementations are
// safe to call from several threads at once.
class HostNetwork {
 public:
  virtual ~HostNetwork() = default;

  // Creates the VXLAN device when missing, sets its MTU, enslaves it to spec.bridge and sets it
  // up. A device of that name with another VNI, port, local address, underlay device (when the
  // spec names one) or learning setting is deleted and created again, which also drops its FDB
  // entries, so callers run sync_peers afterwards. kNotFound when the bridge or the underlay
  // device is missing. The calls that name a VXLAN device return kConflict when a device of
  // another kind has that name, and never change that device.
  virtual Status ensure_vxlan(const VxlanSpec& spec) = 0;

  // Makes the device's flooding FDB entries exactly one per address of `peer_addresses` (IPv4),
  // adding the missing ones and deleting the rest, so that no peer of an earlier run survives.
  // Entries with a non-zero MAC address are never changed. kNotFound when the device is
  // missing.
  virtual Status sync_peers(const std::string& vxlan,
                            const std::set<std::string>& peer_addresses) = 0;

  // Returns the destination addresses of the device's flooding FDB entries. kNotFound when the
  // device is missing.
  virtual Result<std::set<std::string>> list_peers(const std::string& vxlan) = 0;

  // Deletes the VXLAN device. A missing device is success.
  virtual Status remove_vxlan(const std::string& name) = 0;

  // Returns the MTU of any device.
  virtual Result<int> device_mtu(const std::string& device) = 0;

  // Returns the name of the device that has the IPv4 `address`, which finds the underlay
  // device behind a host's address. kNotFound when no device has it.
  virtual Result<std::string> device_for_address(const std::string& address) = 0;
};

}  // namespace raictl
