#pragma once

#include <set>
#include <string>

#include "core/result.h"
#include "runtime/host_network.h"

namespace raictl {

// HostNetwork over rtnetlink with libnl-route-3, without running ip(8) or bridge(8).
//
// Every call opens its own netlink socket and closes it before returning, so the object has no
// state to guard and is safe to use from several threads at once. Because a netlink socket
// belongs to the network namespace of the thread that opens it, each call acts on the namespace
// of its calling thread (a thread that setns(2)'d into another namespace wires that one).
//
// Errors name the device and address involved and carry libnl's text for the kernel's reply.
// The kernel's EPERM and EACCES become kUnavailable with the fix (run raictl-node as root or
// with CAP_NET_ADMIN). EEXIST and EBUSY become kConflict, and ENODEV becomes kNotFound.
//
// VXLAN devices are created with learning off, so that a frame for a remote container is sent
// to every peer host and the bridge of the host that has the container delivers it. With
// learning on, the device would remember which peer a MAC address was last seen behind for
// 300 s, and a container address that moves to another host would keep being sent to the old
// host until that entry expires, because Docker 20.10's bridge driver derives a container's MAC
// address from its IP address. The price is that each such frame crosses the underlay once per
// peer host.
class NetlinkHostNetwork final : public HostNetwork {
 public:
  Status ensure_vxlan(const VxlanSpec& spec) override;
  Status sync_peers(const std::string& vxlan, const std::set<std::string>& peer_addresses) override;
  Result<std::set<std::string>> list_peers(const std::string& vxlan) override;
  Status remove_vxlan(const std::string& name) override;
  Result<int> device_mtu(const std::string& device) override;
  Result<std::string> device_for_address(const std::string& address) override;
};

}  // namespace raictl
