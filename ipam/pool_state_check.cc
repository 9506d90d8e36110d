#include "ipam/pool_state_check.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <set>

#include "ipam/pool_layout.h"
#include "ipam/pool_record.h"

namespace raictl::ipam {

namespace {

constexpr size_t kMaxBitProblems = 100;

// Bit i of a Redis bitmap is the most significant bit first (SETBIT/GETBIT order).
bool bit_at(const std::string& bitmap, uint64_t offset) {
  uint64_t byte = offset / 8;
  if (byte >= bitmap.size()) {
    return false;
  }
  return (static_cast<uint8_t>(bitmap[byte]) >> (7 - offset % 8)) & 1;
}

void set_bit(std::string& bitmap, uint64_t offset) {
  bitmap[offset / 8] =
      static_cast<char>(static_cast<uint8_t>(bitmap[offset / 8]) | (0x80u >> (offset % 8)));
}

// Checks one pool and collects its allocated owners ("kind/name" -> address).
class PoolChecker {
 public:
  PoolChecker(const PoolSnapshot& pool, const std::map<std::string, std::string>& names,
              std::vector<std::string>& problems)
      : pool_(pool), names_(names), problems_(problems) {}

  // Returns the layout when the stored definition is valid, so callers can compare pools.
  std::optional<PoolLayout> run() {
    auto spec = spec_from_fields(pool_.fields);
    if (!spec) {
      report(spec.error().message);
      return std::nullopt;
    }
    auto layout = plan_pool(*spec);
    if (!layout) {
      report(fmt::format("stored definition is invalid: {}", layout.error().message));
      return std::nullopt;
    }
    layout_ = *layout;

    check_layout_fields();
    std::string expected(layout_.size() / 8 + (layout_.size() % 8 != 0 ? 1 : 0), '\0');
    mark_blocked(expected);
    check_owners(expected);
    check_reservations(expected);
    check_bitmap(expected);
    check_counters();
    return layout_;
  }

 private:
  void report(const std::string& problem) {
    problems_.push_back(fmt::format("pool \"{}\": {}", pool_.name, problem));
  }

  std::optional<uint64_t> stored_number(const std::string& field) {
    auto value = number_field(pool_.fields, field);
    if (!value) {
      report(value.error().message);
      return std::nullopt;
    }
    return *value;
  }

  void check_layout_fields() {
    const std::pair<const char*, uint64_t> expected[] = {
        {"network", layout_.cidr.network().value()},
        {"size", layout_.size()},
        {"first", layout_.first},
        {"last", layout_.last},
        {"capacity", layout_.capacity},
    };
    for (const auto& [field, value] : expected) {
      auto stored = stored_number(field);
      if (stored && *stored != value) {
        report(
            fmt::format("field \"{}\" is {} but the definition gives {}", field, *stored, value));
      }
    }

    auto cursor = stored_number("cursor");
    if (cursor && !layout_.in_range(static_cast<uint32_t>(*cursor))) {
      report(fmt::format("cursor {} is outside the allocation range {}-{}", *cursor, layout_.first,
                         layout_.last));
    }
  }

  void mark_blocked(std::string& expected) {
    for (const auto& range : layout_.blocked) {
      for (uint64_t offset = range.first; offset <= range.last; ++offset) {
        set_bit(expected, offset);
      }
    }
  }

  // Parses a record's address and checks that it belongs to this pool.
  std::optional<uint32_t> record_offset(const std::string& address, const char* what) {
    auto parsed = Ipv4::parse(address);
    if (!parsed) {
      report(fmt::format("{} record for \"{}\" is not an address", what, address));
      return std::nullopt;
    }
    if (!layout_.cidr.contains(*parsed)) {
      report(
          fmt::format("{} record for {} is outside {}", what, address, layout_.cidr.to_string()));
      return std::nullopt;
    }
    uint32_t offset = layout_.offset_of(*parsed);
    if (layout_.is_blocked(offset)) {
      report(
          fmt::format("{} record for {}, which is never handed out (network, broadcast, "
                      "gateway or exclusion)",
                      what, address));
    }
    return offset;
  }

  void check_owners(std::string& expected) {
    std::map<std::string, std::string> address_of_owner;
    for (const auto& [address, json] : pool_.owners) {
      auto offset = record_offset(address, "allocation");
      auto owner = parse_owner_record(json);
      if (!owner) {
        report(fmt::format("{}: {}", address, owner.error().message));
      }
      if (!offset || !owner) {
        continue;
      }
      set_bit(expected, *offset);
      ++allocations_;

      if (!layout_.in_range(*offset)) {
        report(fmt::format("{} is allocated to {} but lies outside the allocation range {}",
                           address, owner->key(), layout_.range.to_string()));
      }
      auto [earlier, inserted] = address_of_owner.emplace(owner->key(), address);
      if (!inserted) {
        report(fmt::format("{} holds two addresses: {} and {}", owner->key(), earlier->second,
                           address));
      }
      check_name_entry(address, *owner);
    }
  }

  void check_name_entry(const std::string& address, const Owner& owner) {
    auto entry = names_.find(owner.key());
    if (entry == names_.end()) {
      report(fmt::format("{} is allocated to {} (uid {}), which is missing from the name index",
                         address, owner.key(), owner.uid));
      return;
    }
    auto record = parse_name_record(entry->second);
    if (!record) {
      report(fmt::format("{}: {}", owner.key(), record.error().message));
      return;
    }
    if (record->pool != pool_.name || record->address != address || record->uid != owner.uid) {
      report(
          fmt::format("{} is allocated to {} (uid {}), but the name index has uid {} at {} in "
                      "pool \"{}\"",
                      address, owner.key(), owner.uid, record->uid, record->address, record->pool));
    }
  }

  void check_reservations(std::string& expected) {
    for (const auto& [address, holder] : pool_.reservations) {
      auto offset = record_offset(address, "reservation");
      if (!offset) {
        continue;
      }
      if (pool_.owners.count(address) != 0) {
        report(fmt::format("{} is both allocated and reserved for {}", address, holder));
      }
      if (*offset == 0 || *offset == layout_.size() - 1) {
        report(fmt::format("{} is the network or broadcast address but is reserved for {}", address,
                           holder));
      }
      set_bit(expected, *offset);
      ++reservations_;
      if (layout_.in_range(*offset)) {
        ++reservations_in_range_;
      }
    }
  }

  void check_bitmap(const std::string& expected) {
    if (pool_.bitmap.size() != expected.size()) {
      report(fmt::format("bitmap is {} bytes long, expected {} (one bit per address)",
                         pool_.bitmap.size(), expected.size()));
    }

    size_t mismatches = 0;
    for (size_t byte = 0; byte < expected.size(); ++byte) {
      char stored = byte < pool_.bitmap.size() ? pool_.bitmap[byte] : '\0';
      if (stored == expected[byte]) {
        continue;
      }
      for (uint64_t offset = byte * 8; offset < byte * 8 + 8 && offset < layout_.size(); ++offset) {
        bool is_set = bit_at(pool_.bitmap, offset);
        if (is_set == bit_at(expected, offset)) {
          continue;
        }
        if (++mismatches > kMaxBitProblems) {
          continue;
        }
        std::string address = layout_.address_at(static_cast<uint32_t>(offset)).to_string();
        report(is_set ? fmt::format("{} is marked in use but has no allocation or reservation "
                                    "record",
                                    address)
                      : fmt::format("{} is not marked in use but is never handed out or has a "
                                    "record",
                                    address));
      }
    }
    if (mismatches > kMaxBitProblems) {
      report(fmt::format("{} more bitmap mismatches not listed", mismatches - kMaxBitProblems));
    }
  }

  void check_counters() {
    const std::pair<const char*, uint64_t> expected[] = {
        {"used", allocations_},
        {"reserved", reservations_},
        {"reserved_in_range", reservations_in_range_},
    };
    for (const auto& [field, count] : expected) {
      auto stored = stored_number(field);
      if (stored && *stored != count) {
        report(fmt::format("counter \"{}\" is {} but there are {} records", field, *stored, count));
      }
    }
  }

  const PoolSnapshot& pool_;
  const std::map<std::string, std::string>& names_;
  std::vector<std::string>& problems_;
  PoolLayout layout_{};
  uint64_t allocations_ = 0;
  uint64_t reservations_ = 0;
  uint64_t reservations_in_range_ = 0;
};

void check_index(const IpamSnapshot& snapshot, std::vector<std::string>& problems) {
  std::set<std::string> stored;
  for (const auto& pool : snapshot.pool_states) {
    stored.insert(pool.name);
    auto index_cidr = snapshot.pools.find(pool.name);
    auto cidr = pool.fields.find("cidr");
    if (index_cidr != snapshot.pools.end() && cidr != pool.fields.end() &&
        index_cidr->second != cidr->second) {
      problems.push_back(fmt::format("pool \"{}\": the pools index has {} but the pool hash has {}",
                                     pool.name, index_cidr->second, cidr->second));
    }
  }
  for (const auto& [name, cidr] : snapshot.pools) {
    if (stored.count(name) == 0) {
      problems.push_back(
          fmt::format("pool \"{}\" ({}) is in the pools index but has no pool hash", name, cidr));
    }
  }
}

void check_overlaps(const std::vector<PoolLayout>& layouts, std::vector<std::string>& problems) {
  for (size_t i = 0; i < layouts.size(); ++i) {
    for (size_t j = i + 1; j < layouts.size(); ++j) {
      if (layouts[i].cidr.overlaps(layouts[j].cidr)) {
        problems.push_back(fmt::format("pool \"{}\" ({}) overlaps pool \"{}\" ({})",
                                       layouts[i].name, layouts[i].cidr.to_string(),
                                       layouts[j].name, layouts[j].cidr.to_string()));
      }
    }
  }
}

// Every name index entry must point to an allocation of the same owner.
void check_names(const IpamSnapshot& snapshot, std::vector<std::string>& problems) {
  std::map<std::string, const PoolSnapshot*> pools;
  for (const auto& pool : snapshot.pool_states) {
    pools[pool.name] = &pool;
  }

  for (const auto& [key, json] : snapshot.names) {
    auto record = parse_name_record(json);
    if (!record) {
      problems.push_back(fmt::format("name index entry {}: {}", key, record.error().message));
      continue;
    }
    auto pool = pools.find(record->pool);
    if (pool == pools.end()) {
      problems.push_back(
          fmt::format("name index entry {} points to pool \"{}\", which does not "
                      "exist",
                      key, record->pool));
      continue;
    }
    auto allocation = pool->second->owners.find(record->address);
    auto owner = allocation == pool->second->owners.end()
                     ? Result<Owner>(make_error(ErrorCode::kNotFound, "no allocation"))
                     : parse_owner_record(allocation->second);
    if (!owner || owner->key() != key || owner->uid != record->uid) {
      problems.push_back(
          fmt::format("name index entry {} (uid {}) points to {} in pool \"{}\", "
                      "which is not allocated to it",
                      key, record->uid, record->address, record->pool));
    }
  }
}

}  // namespace

std::vector<std::string> check_ipam_state(const IpamSnapshot& snapshot) {
  std::vector<std::string> problems;
  check_index(snapshot, problems);

  std::vector<PoolLayout> layouts;
  for (const auto& pool : snapshot.pool_states) {
    PoolChecker checker(pool, snapshot.names, problems);
    if (auto layout = checker.run()) {
      layouts.push_back(std::move(*layout));
    }
  }

  check_overlaps(layouts, problems);
  check_names(snapshot, problems);
  return problems;
}

}  // namespace raictl::ipam
