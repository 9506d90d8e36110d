#include "ipam/pool_layout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace raictl::ipam {
namespace {

Cidr cidr(const char* text) {
  auto parsed = Cidr::parse(text);
  EXPECT_TRUE(parsed) << text << ": " << parsed.error().message;
  return parsed ? *parsed : Cidr();
}

Ipv4 address(const char* text) {
  auto parsed = Ipv4::parse(text);
  EXPECT_TRUE(parsed) << text << ": " << parsed.error().message;
  return parsed ? *parsed : Ipv4();
}

// Every address allocation may hand out, in order.
std::vector<std::string> allocatable(const PoolLayout& layout) {
  std::vector<std::string> addresses;
  for (uint32_t offset = layout.first; offset <= layout.last; ++offset) {
    if (!layout.is_blocked(offset)) {
      addresses.push_back(layout.address_at(offset).to_string());
    }
  }
  return addresses;
}

TEST(PoolLayoutTest, RangeInsideCidrGivesItsUpperHalf) {
  PoolSpec spec{"web", cidr("10.89.0.0/24"), address("10.89.0.1"), cidr("10.89.0.128/25"), {}};

  auto layout = plan_pool(spec);
  ASSERT_TRUE(layout) << layout.error().message;

  std::vector<std::string> expected;
  for (int host = 128; host <= 254; ++host) {
    expected.push_back("10.89.0." + std::to_string(host));
  }
  EXPECT_EQ(allocatable(*layout), expected);
  EXPECT_EQ(layout->capacity, 127u);
}

TEST(PoolLayoutTest, CapacityByPrefix) {
  struct Case {
    const char* cidr;
    uint32_t capacity;  // size minus network, broadcast and gateway
    const char* first;
    const char* last;
  };
  const Case cases[] = {
      {"10.0.0.0/30", 1, "10.0.0.2", "10.0.0.2"},
      {"10.0.0.0/29", 5, "10.0.0.2", "10.0.0.6"},
      {"10.0.0.0/24", 253, "10.0.0.2", "10.0.0.254"},
      {"10.1.0.0/16", 65533, "10.1.0.2", "10.1.255.254"},
      {"10.0.0.0/8", 16777213, "10.0.0.2", "10.255.255.254"},
  };
  for (const auto& c : cases) {
    auto layout = plan_pool(PoolSpec{"p", cidr(c.cidr), std::nullopt, std::nullopt, {}});
    ASSERT_TRUE(layout) << c.cidr << ": " << layout.error().message;
    EXPECT_EQ(layout->capacity, c.capacity) << c.cidr;
    EXPECT_EQ(layout->gateway, Ipv4(layout->cidr.network().value() + 1)) << c.cidr;

    uint32_t first = layout->first;
    while (layout->is_blocked(first)) {
      ++first;
    }
    EXPECT_EQ(layout->address_at(first).to_string(), c.first) << c.cidr;
    EXPECT_EQ(layout->address_at(layout->last).to_string(), c.last) << c.cidr;
  }
}

TEST(PoolLayoutTest, ExclusionsAndGatewayAreBlocked) {
  PoolSpec spec{"p",
                cidr("10.0.0.0/24"),
                address("10.0.0.254"),
                std::nullopt,
                {cidr("10.0.0.7/32"), cidr("10.0.0.64/26"), cidr("10.0.0.8/32")}};

  auto layout = plan_pool(spec);
  ASSERT_TRUE(layout) << layout.error().message;

  // 254 usable addresses minus the gateway, 64 + 2 excluded.
  EXPECT_EQ(layout->capacity, 187u);
  std::vector<OffsetRange> expected = {{0, 0}, {7, 8}, {64, 127}, {254, 255}};
  EXPECT_EQ(layout->blocked, expected);
  EXPECT_FALSE(layout->is_blocked(1));
  EXPECT_TRUE(layout->is_blocked(8));
  EXPECT_TRUE(layout->is_blocked(100));
  EXPECT_FALSE(layout->is_blocked(128));
}

TEST(PoolLayoutTest, RejectsInvalidSpecsNamingTheValue) {
  struct Case {
    const char* what;
    PoolSpec spec;
    std::string message;
  };
  const Case cases[] = {
      {"/31",
       {"p", cidr("10.0.0.0/31"), std::nullopt, std::nullopt, {}},
       "pool \"p\": 10.0.0.0/31 is too small: /31 and /32 leave no address to hand out; use "
       "/30 or larger"},
      {"/32",
       {"p", cidr("10.0.0.0/32"), std::nullopt, std::nullopt, {}},
       "pool \"p\": 10.0.0.0/32 is too small"},
      {"/7",
       {"p", cidr("10.0.0.0/7"), std::nullopt, std::nullopt, {}},
       "pool \"p\": 10.0.0.0/7 is too large: the largest pool is /8"},
      {"gateway outside",
       {"p", cidr("10.0.0.0/24"), address("10.0.1.1"), std::nullopt, {}},
       "pool \"p\": gateway 10.0.1.1 is outside 10.0.0.0/24"},
      {"gateway network",
       {"p", cidr("10.0.0.0/24"), address("10.0.0.0"), std::nullopt, {}},
       "pool \"p\": gateway 10.0.0.0 is the network address of 10.0.0.0/24"},
      {"gateway broadcast",
       {"p", cidr("10.0.0.0/24"), address("10.0.0.255"), std::nullopt, {}},
       "pool \"p\": gateway 10.0.0.255 is the broadcast address of 10.0.0.0/24"},
      {"range outside",
       {"p", cidr("10.0.0.0/24"), std::nullopt, cidr("10.0.1.0/25"), {}},
       "pool \"p\": range 10.0.1.0/25 is outside 10.0.0.0/24"},
      {"range larger",
       {"p", cidr("10.0.0.0/24"), std::nullopt, cidr("10.0.0.0/23"), {}},
       "pool \"p\": range 10.0.0.0/23 is outside 10.0.0.0/24"},
      {"exclusion address outside",
       {"p", cidr("10.0.0.0/24"), std::nullopt, std::nullopt, {cidr("10.0.1.7/32")}},
       "pool \"p\": exclusion 10.0.1.7 is outside 10.0.0.0/24"},
      {"exclusion cidr outside",
       {"p", cidr("10.0.0.0/24"), std::nullopt, std::nullopt, {cidr("10.0.0.0/16")}},
       "pool \"p\": exclusion 10.0.0.0/16 is outside 10.0.0.0/24"},
      {"nothing left",
       {"p", cidr("10.0.0.0/30"), std::nullopt, std::nullopt, {cidr("10.0.0.2/32")}},
       "pool \"p\": no address is left to hand out in range 10.0.0.0/30"},
      {"bad name",
       {"web pool", cidr("10.0.0.0/24"), std::nullopt, std::nullopt, {}},
       "invalid pool name \"web pool\""},
      {"name with colon",
       {"a:b", cidr("10.0.0.0/24"), std::nullopt, std::nullopt, {}},
       "invalid pool name \"a:b\""},
      {"empty name",
       {"", cidr("10.0.0.0/24"), std::nullopt, std::nullopt, {}},
       "invalid pool name \"\""},
  };
  for (const auto& c : cases) {
    auto layout = plan_pool(c.spec);
    ASSERT_FALSE(layout) << c.what;
    EXPECT_EQ(layout.code(), ErrorCode::kInvalidArgument) << c.what;
    EXPECT_EQ(layout.error().message.rfind(c.message, 0), 0u)
        << c.what << ": " << layout.error().message;
  }
}

TEST(PoolLayoutTest, ParsesExclusionsAsAddressesOrCidrs) {
  auto single = parse_exclusion("10.0.0.7");
  ASSERT_TRUE(single) << single.error().message;
  EXPECT_EQ(*single, Cidr::single(address("10.0.0.7")));
  EXPECT_EQ(exclusion_to_string(*single), "10.0.0.7");

  auto network = parse_exclusion("10.0.0.64/26");
  ASSERT_TRUE(network) << network.error().message;
  EXPECT_EQ(exclusion_to_string(*network), "10.0.0.64/26");

  auto bad_address = parse_exclusion("10.0.0.300");
  ASSERT_FALSE(bad_address);
  EXPECT_NE(bad_address.error().message.find("invalid exclusion \"10.0.0.300\""), std::string::npos)
      << bad_address.error().message;

  auto host_bits = parse_exclusion("10.0.0.65/26");
  ASSERT_FALSE(host_bits);
  EXPECT_EQ(host_bits.error().message,
            "10.0.0.65/26 has host bits set; did you mean 10.0.0.64/26?");
}

}  // namespace
}  // namespace raictl::ipam
