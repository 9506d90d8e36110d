#include "ipam/cidr.h"

#include <gtest/gtest.h>

#include <string>

#include "ipam/ipv4.h"

namespace raictl::ipam {
namespace {

TEST(Ipv4Test, ParsesAndFormatsAddresses) {
  struct Case {
    const char* text;
    uint32_t value;
  };
  const Case cases[] = {
      {"0.0.0.0", 0},
      {"10.0.0.1", 0x0a000001},
      {"192.168.1.254", 0xc0a801fe},
      {"255.255.255.255", 0xffffffff},
  };
  for (const auto& c : cases) {
    auto address = Ipv4::parse(c.text);
    ASSERT_TRUE(address) << c.text << ": " << address.error().message;
    EXPECT_EQ(address->value(), c.value) << c.text;
    EXPECT_EQ(address->to_string(), c.text);
  }
}

TEST(Ipv4Test, RejectsMalformedAddressesNamingThem) {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "four decimal octets"},
      {"10.0.0", "four decimal octets"},
      {"10.0.0.1.2", "four decimal octets"},
      {"10.0.0.256", "octet 256 is out of range 0-255"},
      {"10.0.0.010", "leading zero"},
      {"10.0.x.1", "\"x\" is not a decimal number"},
      {"10..0.1", "\"\" is not a decimal number"},
      {" 10.0.0.1", "is not a decimal number"},
      {"10.0.0.1/24", "is not a decimal number"},
  };
  for (const auto& c : cases) {
    auto address = Ipv4::parse(c.text);
    ASSERT_FALSE(address) << c.text;
    EXPECT_EQ(address.code(), ErrorCode::kInvalidArgument) << c.text;
    EXPECT_NE(address.error().message.find("\"" + std::string(c.text) + "\""), std::string::npos)
        << address.error().message;
    EXPECT_NE(address.error().message.find(c.reason), std::string::npos) << address.error().message;
  }
}

TEST(CidrTest, ComputesHostMath) {
  struct Case {
    const char* text;
    int prefix;
    uint64_t size;
    const char* network;
    const char* broadcast;
    const char* inside;   // the last address inside
    const char* outside;  // the first address after
  };
  const Case cases[] = {
      {"10.0.0.4/30", 30, 4, "10.0.0.4", "10.0.0.7", "10.0.0.7", "10.0.0.8"},
      {"10.0.0.8/29", 29, 8, "10.0.0.8", "10.0.0.15", "10.0.0.15", "10.0.0.16"},
      {"10.89.0.0/24", 24, 256, "10.89.0.0", "10.89.0.255", "10.89.0.255", "10.89.1.0"},
      {"172.16.0.0/16", 16, 65536, "172.16.0.0", "172.16.255.255", "172.16.255.255", "172.17.0.0"},
      {"10.0.0.0/8", 8, 16777216, "10.0.0.0", "10.255.255.255", "10.255.255.255", "11.0.0.0"},
  };
  for (const auto& c : cases) {
    auto cidr = Cidr::parse(c.text);
    ASSERT_TRUE(cidr) << c.text << ": " << cidr.error().message;
    EXPECT_EQ(cidr->prefix(), c.prefix) << c.text;
    EXPECT_EQ(cidr->size(), c.size) << c.text;
    EXPECT_EQ(cidr->network().to_string(), c.network) << c.text;
    EXPECT_EQ(cidr->broadcast().to_string(), c.broadcast) << c.text;
    EXPECT_TRUE(cidr->contains(*Ipv4::parse(c.network))) << c.text;
    EXPECT_TRUE(cidr->contains(*Ipv4::parse(c.inside))) << c.text;
    EXPECT_FALSE(cidr->contains(*Ipv4::parse(c.outside))) << c.text;
    EXPECT_EQ(cidr->to_string(), c.text);
  }
}

TEST(CidrTest, RejectsMalformedCidrsNamingThem) {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"10.0.0.0", "missing the prefix length"},
      {"10.0.0.0/", "prefix length \"\" is not a number"},
      {"10.0.0.0/33", "prefix length 33 is out of range 0-32"},
      {"10.0.0.0/-1", "prefix length \"-1\" is not a number"},
      {"10.0.0.256/24", "octet 256 is out of range 0-255"},
      {"10.0.0/24", "four decimal octets"},
      {"ten/8", "\"ten\" is not a decimal number"},
  };
  for (const auto& c : cases) {
    auto cidr = Cidr::parse(c.text);
    ASSERT_FALSE(cidr) << c.text;
    EXPECT_EQ(cidr.code(), ErrorCode::kInvalidArgument) << c.text;
    EXPECT_NE(cidr.error().message.find(c.text), std::string::npos) << cidr.error().message;
    EXPECT_NE(cidr.error().message.find(c.reason), std::string::npos) << cidr.error().message;
  }
}

TEST(CidrTest, HostBitsSuggestTheNetwork) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"10.0.0.5/24", "10.0.0.5/24 has host bits set; did you mean 10.0.0.0/24?"},
      {"10.123.200.0/17", "10.123.200.0/17 has host bits set; did you mean 10.123.128.0/17?"},
      {"10.0.0.6/30", "10.0.0.6/30 has host bits set; did you mean 10.0.0.4/30?"},
  };
  for (const auto& c : cases) {
    auto cidr = Cidr::parse(c.text);
    ASSERT_FALSE(cidr) << c.text;
    EXPECT_EQ(cidr.code(), ErrorCode::kInvalidArgument) << c.text;
    EXPECT_EQ(cidr.error().message, c.message);
  }
}

TEST(CidrTest, ContainsAndOverlapsOtherNetworks) {
  auto a = *Cidr::parse("10.123.0.0/17");
  auto b = *Cidr::parse("10.123.0.0/18");
  auto d = *Cidr::parse("10.123.128.0/17");

  EXPECT_TRUE(a.contains(b));
  EXPECT_FALSE(b.contains(a));
  EXPECT_TRUE(a.overlaps(b));
  EXPECT_TRUE(b.overlaps(a));
  EXPECT_TRUE(a.overlaps(a));
  EXPECT_FALSE(a.overlaps(d));
  EXPECT_FALSE(d.overlaps(b));
}

}  // namespace
}  // namespace raictl::ipam
