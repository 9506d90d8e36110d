#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/redis_client.h"
#include "core/result.h"
#include "ipam/ipv4.h"
#include "ipam/owner.h"
#include "ipam/pool_layout.h"

namespace raictl::ipam {

// Address counts of one pool. capacity counts the addresses of the allocation range that
// can be handed out; free = capacity - used - reserved addresses inside the range.
struct PoolUsage {
  uint64_t size = 0;  // addresses in the CIDR, network and broadcast included
  uint64_t capacity = 0;
  uint64_t used = 0;      // allocations
  uint64_t reserved = 0;  // reservations, inside or outside the allocation range
  uint64_t free = 0;
};

struct Allocation {
  Ipv4 address;
  Owner owner;
};

struct Reservation {
  Ipv4 address;
  std::string holder;
};

// Allocations and reservations of one pool, each sorted by address.
struct PoolAllocations {
  std::vector<Allocation> allocations;
  std::vector<Reservation> reservations;
};

// The pool, address and uid of an owner's allocation.
struct OwnerAddress {
  std::string pool;
  Ipv4 address;
  std::string uid;
};

// IP address management: pools, allocations and reservations kept in Redis under
// raictl:ipam:* (docs/ipam.md lists the keys). Every operation that changes state is one
// Lua script, so it is atomic across all clients of the cluster: two clients never get the
// same address, and a client killed mid-call leaves no half-written state.
//
// Borrows the client, which must outlive the Ipam. Not thread-safe, like RedisClient: use
// one Ipam per connection and thread. An unreachable Redis is kUnavailable. allocate,
// reserve and reserve_next retry once after it, because running them twice for the same
// owner or holder has the effect of running them once.
class Ipam {
 public:
  explicit Ipam(RedisClient& client);

  // Creates a pool after plan_pool() validated it. kConflict when a pool of that name
  // exists or the CIDR overlaps another pool (the message names it).
  Result<PoolLayout> create_pool(const PoolSpec& spec);

  // Deletes a pool. A pool with allocations or reservations is kConflict unless force is
  // set; force also frees the names of the pool's owners. Unknown pool: kNotFound.
  Status delete_pool(const std::string& name, bool force);

  // The pool's definition, with the gateway filled in. Unknown pool: kNotFound.
  Result<PoolSpec> get_pool(const std::string& name);
  // Every pool, sorted by name.
  Result<std::vector<PoolSpec>> list_pools();
  Result<PoolUsage> usage(const std::string& pool);

  // Allocates an address to owner: the next free one after the pool's cursor, or
  // `requested` if it is inside the allocation range and free. The same owner (kind, name
  // and uid) gets its address back. Errors:
  // - kConflict: another uid or another pool has the owner's kind and name, or the
  //   requested address is taken. The message names the holder.
  // - kInvalidArgument: the requested address is outside the range, the gateway or excluded.
  // - kExhausted: no address is free.
  Result<Ipv4> allocate(const std::string& pool, const Owner& owner,
                        std::optional<Ipv4> requested = std::nullopt);

  // Frees the owner's address and returns it. Only the exact owner frees. An owner without
  // an address in this pool is kNotFound and one with another uid is kConflict, and both
  // free nothing.
  Result<Ipv4> release(const std::string& pool, const Owner& owner);

  // Reserves an address of the pool's CIDR (inside the allocation range or not) for a
  // holder such as "node/node-2", so that it is never allocated. Reserving it again for the
  // same holder succeeds without change; an address taken otherwise is kConflict or
  // kInvalidArgument with the reason.
  Status reserve(const std::string& pool, Ipv4 address, const std::string& holder);
  // Releases a reservation, only for its holder: not reserved is kNotFound, another holder
  // kConflict.
  Status unreserve(const std::string& pool, Ipv4 address, const std::string& holder);
  // Reserves the lowest free address of the allocation range for holder, or returns the
  // lowest address the holder already has reserved in this pool. kExhausted when none is
  // free.
  Result<Ipv4> reserve_next(const std::string& pool, const std::string& holder);

  // Turns the owner's allocation of `address` into a reservation for holder, in one step:
  // the address stays taken, and the owner may allocate a new one. Used when a container
  // moves while its old copy may still run somewhere. Holding again for the same holder
  // succeeds without change. The owner holding another address is kConflict; holding none
  // is kNotFound.
  Status hold(const std::string& pool, const Owner& owner, Ipv4 address, const std::string& holder);
  // The reverse of hold: the held address becomes the owner's allocation again, when the
  // owner has no other address. An address not held for holder is kNotFound.
  Status unhold(const std::string& pool, const Owner& owner, Ipv4 address,
                const std::string& holder);

  // Allocations and reservations of one pool, read atomically.
  Result<PoolAllocations> allocations(const std::string& pool);

  // The address held by the owner of that kind and name in any pool, if any.
  Result<std::optional<OwnerAddress>> find_owner(const std::string& kind, const std::string& name);

  // Checks the invariants of every pool on one atomic snapshot and returns the problems
  // found, one readable line each; empty means consistent. See pool_state_check.h.
  Result<std::vector<std::string>> check();

 private:
  // Reads the hash of a pool; kNotFound when it does not exist.
  Result<std::map<std::string, std::string>> read_pool_fields(const std::string& name);
  Status move_between_owner_and_holder(LuaScript& script, const char* operation,
                                       const std::string& pool, const Owner& owner, Ipv4 address,
                                       const std::string& holder);
  Result<RedisReply> run(LuaScript& script, const std::vector<std::string>& keys,
                         const std::vector<std::string>& args, bool retry_once);

  RedisClient& client_;
  LuaScript create_pool_;
  LuaScript delete_pool_;
  LuaScript allocate_;
  LuaScript release_;
  LuaScript reserve_;
  LuaScript reserve_next_;
  LuaScript unreserve_;
  LuaScript hold_;
  LuaScript unhold_;
};

}  // namespace raictl::ipam
