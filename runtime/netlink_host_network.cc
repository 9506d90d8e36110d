#include "runtime/netlink_host_network.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>
#include <sys/socket.h>

#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "core/log.h"

namespace raictl {

namespace {

// Releases a libnl object with its own free or put function.
template <auto Release>
struct LibnlDeleter {
  template <typename T>
  void operator()(T* object) const {
    Release(object);
  }
};

using NlSocket = std::unique_ptr<nl_sock, LibnlDeleter<nl_socket_free>>;
using NlCallback = std::unique_ptr<nl_cb, LibnlDeleter<nl_cb_put>>;
using NlCache = std::unique_ptr<nl_cache, LibnlDeleter<nl_cache_free>>;
using NlAddress = std::unique_ptr<nl_addr, LibnlDeleter<nl_addr_put>>;
using Link = std::unique_ptr<rtnl_link, LibnlDeleter<rtnl_link_put>>;
using Neighbour = std::unique_ptr<rtnl_neigh, LibnlDeleter<rtnl_neigh_put>>;

// Flooding FDB entries of one VXLAN device by destination address text.
using FloodingEntries = std::map<std::string, Neighbour>;

constexpr int kMacAddressBytes = 6;

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string joined;
  for (const auto& part : parts) {
    if (!joined.empty()) {
      joined += separator;
    }
    joined += part;
  }
  return joined;
}

// Maps a libnl error code (negative NLE_*) of `operation` to an Error that carries libnl's
// text. libnl has already folded the kernel's errno into its own codes.
Error netlink_error(int code, const std::string& operation) {
  std::string cause = nl_geterror(code);
  switch (code < 0 ? -code : code) {
    case NLE_PERM:
    case NLE_NOACCESS:
      return make_error(ErrorCode::kUnavailable,
                        fmt::format("{} failed: {}: run raictl-node as root or with CAP_NET_ADMIN",
                                    operation, cause));
    case NLE_NODEV:
    case NLE_OBJ_NOTFOUND:
      return make_error(ErrorCode::kNotFound, fmt::format("{} failed: {}", operation, cause));
    case NLE_EXIST:
    case NLE_BUSY:
      return make_error(ErrorCode::kConflict, fmt::format("{} failed: {}", operation, cause));
    case NLE_INVAL:
    case NLE_RANGE:
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} failed: {}", operation, cause));
    default:
      return make_error(ErrorCode::kInternal, fmt::format("{} failed: {}", operation, cause));
  }
}

Result<NlSocket> open_route_socket() {
  NlSocket socket(nl_socket_alloc());
  if (!socket) {
    return make_error(ErrorCode::kInternal, "allocate a netlink socket failed: out of memory");
  }

  int code = nl_connect(socket.get(), NETLINK_ROUTE);
  if (code < 0) {
    return netlink_error(code, "open a NETLINK_ROUTE socket");
  }
  return socket;
}

// Builds an AF_INET address from dotted-quad text that the caller has already validated.
NlAddress make_ipv4_address(const std::string& text) {
  in_addr binary{};
  inet_pton(AF_INET, text.c_str(), &binary);
  return NlAddress(nl_addr_build(AF_INET, &binary, sizeof(binary)));
}

// Formats the binary part of an IPv4 or IPv6 address. Any other length gives empty text.
std::string address_text(nl_addr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  const void* binary = nl_addr_get_binary_addr(address);
  switch (nl_addr_get_len(address)) {
    case sizeof(in_addr):
      inet_ntop(AF_INET, binary, text, sizeof(text));
      return text;
    case sizeof(in6_addr):
      inet_ntop(AF_INET6, binary, text, sizeof(text));
      return text;
    default:
      return "";
  }
}

// The rtnetlink kind of a device ("bridge", "vxlan"). Physical and loopback devices have none.
std::string link_kind(rtnl_link* link) {
  const char* kind = rtnl_link_get_type(link);
  return kind == nullptr ? "physical" : kind;
}

// Returns the device named `name`, or a null pointer when there is none.
Result<Link> find_link(nl_sock* socket, const std::string& name) {
  rtnl_link* raw = nullptr;
  int code = rtnl_link_get_kernel(socket, 0, name.c_str(), &raw);
  Link link(raw);

  if (code == -NLE_NODEV || code == -NLE_OBJ_NOTFOUND) {
    return Link();
  }
  if (code < 0) {
    return netlink_error(code, fmt::format("read device {}", name));
  }
  return link;
}

// Returns the VXLAN device `name`: kNotFound when it is missing, kConflict when the device is
// of another kind.
Result<Link> find_vxlan(nl_sock* socket, const std::string& name) {
  auto link = find_link(socket, name);
  if (!link) {
    return link.error();
  }
  if (!*link) {
    return missing_vxlan_error(name);
  }
  if (!rtnl_link_is_vxlan(link->get())) {
    return not_vxlan_error(name, link_kind(link->get()));
  }
  return link;
}

// Lists how an existing VXLAN device differs from the spec in the settings that the kernel only
// takes at creation, one "<setting> is X, expected Y" per difference.
std::vector<std::string> creation_mismatches(rtnl_link* link, const VxlanSpec& spec,
                                             int underlay_index) {
  std::vector<std::string> mismatches;

  uint32_t vni = 0;
  if (rtnl_link_vxlan_get_id(link, &vni) < 0 || vni != spec.vni) {
    mismatches.push_back(fmt::format("VNI is {}, expected {}", vni, spec.vni));
  }

  uint32_t port = 0;
  if (rtnl_link_vxlan_get_port(link, &port) < 0 || port != spec.port) {
    mismatches.push_back(fmt::format("port is {}, expected {}", port, spec.port));
  }

  nl_addr* raw_local = nullptr;
  rtnl_link_vxlan_get_local(link, &raw_local);
  NlAddress local(raw_local);
  std::string local_text = local ? address_text(local.get()) : "unset";
  if (local_text != spec.local_address) {
    mismatches.push_back(
        fmt::format("local address is {}, expected {}", local_text, spec.local_address));
  }

  uint32_t link_index = 0;
  if (underlay_index > 0 && (rtnl_link_vxlan_get_link(link, &link_index) < 0 ||
                             link_index != static_cast<uint32_t>(underlay_index))) {
    mismatches.push_back(fmt::format("underlay device index is {}, expected {} ({})", link_index,
                                     underlay_index, spec.underlay_device));
  }

  if (rtnl_link_vxlan_get_learning(link) > 0) {
    mismatches.emplace_back("learning is on, expected off");
  }
  return mismatches;
}

// Adds the likely cause to the kernel's EINVAL for a request that sets an MTU, because the
// kernel's own text ("Invalid input data or parameter") does not say which value is wrong.
void add_mtu_hint(Error& error, int code, bool sets_mtu) {
  if (sets_mtu && code == -NLE_INVAL) {
    error.message += fmt::format(
        ": check that the MTU does not exceed the underlay device's MTU minus {} bytes of VXLAN "
        "headers",
        kVxlanOverheadBytes);
  }
}

Status create_vxlan(nl_sock* socket, const VxlanSpec& spec, int underlay_index) {
  Link link(rtnl_link_vxlan_alloc());
  NlAddress local = make_ipv4_address(spec.local_address);
  if (!link || !local) {
    return make_error(
        ErrorCode::kInternal,
        fmt::format("vxlan {}: allocate the device request failed: out of memory", spec.name));
  }

  rtnl_link_set_name(link.get(), spec.name.c_str());
  rtnl_link_vxlan_set_id(link.get(), spec.vni);
  rtnl_link_vxlan_set_port(link.get(), spec.port);
  rtnl_link_vxlan_set_local(link.get(), local.get());
  rtnl_link_vxlan_disable_learning(link.get());
  if (underlay_index > 0) {
    rtnl_link_vxlan_set_link(link.get(), static_cast<uint32_t>(underlay_index));
  }
  if (spec.mtu > 0) {
    rtnl_link_set_mtu(link.get(), static_cast<unsigned int>(spec.mtu));
  }

  int code = rtnl_link_add(socket, link.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (code < 0) {
    std::string operation = fmt::format("create vxlan device {} (vni {}, port {}, local {})",
                                        spec.name, spec.vni, spec.port, spec.local_address);
    Error error = netlink_error(code, operation);
    add_mtu_hint(error, code, spec.mtu > 0);
    if (code == -NLE_OPNOTSUPP) {
      error.message += ": load the kernel's vxlan module (modprobe vxlan)";
    } else if (code == -NLE_EXIST) {
      // The name was checked just before, so the kernel rejects the VNI and port pair.
      error.message +=
          ": another vxlan device of this network namespace uses the same VNI "
          "and port";
    }
    return error;
  }
  return Status::Ok();
}

// Sets the MTU, the master bridge and the up flag of `link` where they differ from the spec, in
// one request, and sends nothing when all three already match.
Status attach_to_bridge(nl_sock* socket, rtnl_link* link, const VxlanSpec& spec, int bridge_index) {
  Link changes(rtnl_link_alloc());
  if (!changes) {
    return make_error(
        ErrorCode::kInternal,
        fmt::format("vxlan {}: allocate the change request failed: out of memory", spec.name));
  }

  std::vector<std::string> applied;
  bool mtu_changes = spec.mtu > 0 && rtnl_link_get_mtu(link) != static_cast<unsigned>(spec.mtu);
  if (mtu_changes) {
    rtnl_link_set_mtu(changes.get(), static_cast<unsigned int>(spec.mtu));
    applied.push_back(fmt::format("mtu={}", spec.mtu));
  }
  if (rtnl_link_get_master(link) != bridge_index) {
    rtnl_link_set_master(changes.get(), bridge_index);
    applied.push_back(fmt::format("master={}", spec.bridge));
  }
  if ((rtnl_link_get_flags(link) & IFF_UP) == 0) {
    rtnl_link_set_flags(changes.get(), IFF_UP);
    applied.emplace_back("up");
  }
  if (applied.empty()) {
    return Status::Ok();
  }

  int code = rtnl_link_change(socket, link, changes.get(), 0);
  if (code < 0) {
    Error error =
        netlink_error(code, fmt::format("vxlan {}: set {}", spec.name, join(applied, ", ")));
    add_mtu_hint(error, code, mtu_changes);
    return error;
  }

  component_logger("netlink")->info("vxlan={} bridge={} set {}", spec.name, spec.bridge,
                                    join(applied, " "));
  return Status::Ok();
}

// State of one FDB dump: the device whose entries count, and what was found.
struct FloodingDump {
  int ifindex = 0;
  FloodingEntries entries;
};

// Keeps the message when it is a flooding entry of the dumped device: the device's own entry
// (NTF_SELF, not the bridge's), an all-zero MAC address and a destination.
int collect_flooding_entry(nl_msg* message, void* argument) {
  auto* dump = static_cast<FloodingDump*>(argument);

  rtnl_neigh* raw = nullptr;
  if (rtnl_neigh_parse(nlmsg_hdr(message), &raw) < 0) {
    return NL_SKIP;
  }
  Neighbour neighbour(raw);

  nl_addr* lladdr = rtnl_neigh_get_lladdr(neighbour.get());
  nl_addr* destination = rtnl_neigh_get_dst(neighbour.get());
  bool flooding = rtnl_neigh_get_ifindex(neighbour.get()) == dump->ifindex &&
                  (rtnl_neigh_get_flags(neighbour.get()) & NTF_SELF) != 0 && lladdr != nullptr &&
                  nl_addr_get_len(lladdr) == kMacAddressBytes && nl_addr_iszero(lladdr) &&
                  destination != nullptr;
  if (!flooding) {
    return NL_OK;
  }

  std::string peer = address_text(destination);
  if (!peer.empty()) {
    dump->entries.emplace(peer, std::move(neighbour));
  }
  return NL_OK;
}

Result<FloodingEntries> read_flooding_entries(nl_sock* socket, const std::string& vxlan,
                                              int ifindex) {
  std::string operation = fmt::format("vxlan {}: read FDB entries", vxlan);

  // A callback set of our own keeps the custom handler off the socket's later requests.
  NlCallback socket_callbacks(nl_socket_get_cb(socket));
  NlCallback callbacks(nl_cb_clone(socket_callbacks.get()));
  if (!callbacks) {
    return make_error(ErrorCode::kInternal, operation + " failed: out of memory");
  }
  FloodingDump dump;
  dump.ifindex = ifindex;
  nl_cb_set(callbacks.get(), NL_CB_VALID, NL_CB_CUSTOM, collect_flooding_entry, &dump);

  // The kernel reads an ifinfomsg header on FDB dumps and limits the dump to the port
  // ifi_index. The callback checks the index again, so a kernel that ignores it does no harm.
  ifinfomsg request{};
  request.ifi_family = AF_BRIDGE;
  request.ifi_index = ifindex;
  int code = nl_send_simple(socket, RTM_GETNEIGH, NLM_F_DUMP, &request, sizeof(request));
  if (code < 0) {
    return netlink_error(code, operation);
  }
  code = nl_recvmsgs(socket, callbacks.get());
  if (code < 0) {
    return netlink_error(code, operation);
  }
  return std::move(dump.entries);
}

Result<Neighbour> make_flooding_entry(const std::string& vxlan, int ifindex,
                                      const std::string& peer) {
  Neighbour neighbour(rtnl_neigh_alloc());
  NlAddress destination = make_ipv4_address(peer);
  const unsigned char zero_mac[kMacAddressBytes] = {};
  NlAddress lladdr(nl_addr_build(AF_LLC, zero_mac, sizeof(zero_mac)));
  if (!neighbour || !destination || !lladdr) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("vxlan {} peer {}: allocate the FDB request failed: out of "
                                  "memory",
                                  vxlan, peer));
  }

  rtnl_neigh_set_ifindex(neighbour.get(), ifindex);
  rtnl_neigh_set_lladdr(neighbour.get(), lladdr.get());
  // set_dst takes the address's family for the entry, so the bridge family comes after it.
  rtnl_neigh_set_dst(neighbour.get(), destination.get());
  rtnl_neigh_set_family(neighbour.get(), AF_BRIDGE);
  rtnl_neigh_set_flags(neighbour.get(), NTF_SELF);
  rtnl_neigh_set_state(neighbour.get(), NUD_PERMANENT);
  return neighbour;
}

}  // namespace

Status NetlinkHostNetwork::ensure_vxlan(const VxlanSpec& spec) {
  if (auto status = validate_vxlan_spec(spec); !status) {
    return status;
  }
  auto socket = open_route_socket();
  if (!socket) {
    return socket.error();
  }
  nl_sock* sock = socket->get();

  auto bridge = find_link(sock, spec.bridge);
  if (!bridge) {
    return bridge.error();
  }
  if (!*bridge) {
    return missing_bridge_error(spec.name, spec.bridge);
  }
  if (link_kind(bridge->get()) != "bridge") {
    return not_bridge_error(spec.name, spec.bridge, link_kind(bridge->get()));
  }

  int underlay_index = 0;
  if (!spec.underlay_device.empty()) {
    auto underlay = find_link(sock, spec.underlay_device);
    if (!underlay) {
      return underlay.error();
    }
    if (!*underlay) {
      return missing_underlay_error(spec.name, spec.underlay_device);
    }
    underlay_index = rtnl_link_get_ifindex(underlay->get());
  }

  auto existing = find_link(sock, spec.name);
  if (!existing) {
    return existing.error();
  }
  Link link = std::move(*existing);
  auto log = component_logger("netlink");

  if (link && !rtnl_link_is_vxlan(link.get())) {
    return not_vxlan_error(spec.name, link_kind(link.get()));
  }
  if (link) {
    auto mismatches = creation_mismatches(link.get(), spec, underlay_index);
    if (!mismatches.empty()) {
      log->info("vxlan={} bridge={} recreating: {}", spec.name, spec.bridge,
                join(mismatches, ", "));
      int code = rtnl_link_delete(sock, link.get());
      if (code < 0 && code != -NLE_NODEV && code != -NLE_OBJ_NOTFOUND) {
        return netlink_error(code, fmt::format("delete vxlan device {}", spec.name));
      }
      link.reset();
    }
  }

  if (!link) {
    if (auto status = create_vxlan(sock, spec, underlay_index); !status) {
      return status;
    }
    log->info("vxlan={} bridge={} vni={} port={} local={} created", spec.name, spec.bridge,
              spec.vni, spec.port, spec.local_address);

    auto created = find_vxlan(sock, spec.name);
    if (!created) {
      return created.error();
    }
    link = std::move(*created);
  }

  return attach_to_bridge(sock, link.get(), spec, rtnl_link_get_ifindex(bridge->get()));
}

Status NetlinkHostNetwork::sync_peers(const std::string& vxlan,
                                      const std::set<std::string>& peer_addresses) {
  if (auto status = validate_device_name(vxlan, "vxlan device"); !status) {
    return status;
  }
  if (auto status = validate_peer_addresses(vxlan, peer_addresses); !status) {
    return status;
  }
  auto socket = open_route_socket();
  if (!socket) {
    return socket.error();
  }
  nl_sock* sock = socket->get();

  auto link = find_vxlan(sock, vxlan);
  if (!link) {
    return link.error();
  }
  int ifindex = rtnl_link_get_ifindex(link->get());
  auto current = read_flooding_entries(sock, vxlan, ifindex);
  if (!current) {
    return current.error();
  }
  auto log = component_logger("netlink");

  // New peers first, so that a failure part way leaves extra entries rather than missing ones.
  for (const auto& peer : peer_addresses) {
    if (current->contains(peer)) {
      continue;
    }
    auto entry = make_flooding_entry(vxlan, ifindex, peer);
    if (!entry) {
      return entry.error();
    }
    int code = rtnl_neigh_add(sock, entry->get(), NLM_F_CREATE | NLM_F_APPEND);
    if (code < 0) {
      return netlink_error(code, fmt::format("vxlan {} peer {}: add FDB entry", vxlan, peer));
    }
    log->info("vxlan={} peer={} FDB entry added", vxlan, peer);
  }

  for (const auto& [peer, entry] : *current) {
    if (peer_addresses.contains(peer)) {
      continue;
    }
    int code = rtnl_neigh_delete(sock, entry.get(), 0);
    if (code < 0) {
      // NOTE: the dumped entry carries no port or VNI (libnl 3.7 does not parse them), so an
      // entry added by hand with a non-default port or VNI cannot be deleted here.
      return netlink_error(code, fmt::format("vxlan {} peer {}: delete FDB entry", vxlan, peer));
    }
    log->info("vxlan={} peer={} FDB entry removed", vxlan, peer);
  }
  return Status::Ok();
}

Result<std::set<std::string>> NetlinkHostNetwork::list_peers(const std::string& vxlan) {
  if (auto status = validate_device_name(vxlan, "vxlan device"); !status) {
    return status.error();
  }
  auto socket = open_route_socket();
  if (!socket) {
    return socket.error();
  }

  auto link = find_vxlan(socket->get(), vxlan);
  if (!link) {
    return link.error();
  }
  auto entries = read_flooding_entries(socket->get(), vxlan, rtnl_link_get_ifindex(link->get()));
  if (!entries) {
    return entries.error();
  }

  std::set<std::string> peers;
  for (const auto& [peer, entry] : *entries) {
    peers.insert(peer);
  }
  return peers;
}

Status NetlinkHostNetwork::remove_vxlan(const std::string& name) {
  if (auto status = validate_device_name(name, "vxlan device"); !status) {
    return status;
  }
  auto socket = open_route_socket();
  if (!socket) {
    return socket.error();
  }

  auto link = find_link(socket->get(), name);
  if (!link) {
    return link.error();
  }
  if (!*link) {
    component_logger("netlink")->debug("vxlan={} already absent", name);
    return Status::Ok();
  }
  if (!rtnl_link_is_vxlan(link->get())) {
    return not_vxlan_error(name, link_kind(link->get()));
  }

  int code = rtnl_link_delete(socket->get(), link->get());
  if (code < 0 && code != -NLE_NODEV && code != -NLE_OBJ_NOTFOUND) {
    return netlink_error(code, fmt::format("delete vxlan device {}", name));
  }
  component_logger("netlink")->info("vxlan={} removed", name);
  return Status::Ok();
}

Result<int> NetlinkHostNetwork::device_mtu(const std::string& device) {
  if (auto status = validate_device_name(device, "device"); !status) {
    return status.error();
  }
  auto socket = open_route_socket();
  if (!socket) {
    return socket.error();
  }

  auto link = find_link(socket->get(), device);
  if (!link) {
    return link.error();
  }
  if (!*link) {
    return missing_device_error(device);
  }
  return static_cast<int>(rtnl_link_get_mtu(link->get()));
}

Result<std::string> NetlinkHostNetwork::device_for_address(const std::string& address) {
  if (!is_ipv4_address(address)) {
    return invalid_address_error(address);
  }
  auto socket = open_route_socket();
  if (!socket) {
    return socket.error();
  }

  nl_cache* raw_cache = nullptr;
  int code = rtnl_addr_alloc_cache(socket->get(), &raw_cache);
  NlCache cache(raw_cache);
  if (code < 0) {
    return netlink_error(code, fmt::format("read the addresses of this host to find {}", address));
  }

  int ifindex = 0;
  for (nl_object* object = nl_cache_get_first(cache.get()); object != nullptr;
       object = nl_cache_get_next(object)) {
    auto* entry = reinterpret_cast<rtnl_addr*>(object);
    nl_addr* local = rtnl_addr_get_local(entry);
    if (rtnl_addr_get_family(entry) == AF_INET && local != nullptr &&
        address_text(local) == address) {
      ifindex = rtnl_addr_get_ifindex(entry);
      break;
    }
  }
  if (ifindex == 0) {
    return missing_address_error(address);
  }

  rtnl_link* raw_link = nullptr;
  code = rtnl_link_get_kernel(socket->get(), ifindex, nullptr, &raw_link);
  Link link(raw_link);
  if (code < 0) {
    return netlink_error(code, fmt::format("read device {} of address {}", ifindex, address));
  }
  return std::string(rtnl_link_get_name(link.get()));
}

}  // namespace raictl
