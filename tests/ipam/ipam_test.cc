#include "ipam/ipam.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "ipam/keys.h"
#include "tests/ipam/ipam_test_support.h"

namespace raictl::ipam {
namespace {

using IpamTest = IpamFixture;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(IpamTest, SlashTwentyFourHandsOutTwoToTwoFiftyFour) {
  create("default", "10.0.0.0/24", ip("10.0.0.1"));

  std::set<std::string> addresses;
  for (int i = 0; i < 253; ++i) {
    auto address = ipam_->allocate("default", container("c-" + std::to_string(i)));
    ASSERT_TRUE(address) << i << ": " << address.error().message;
    addresses.insert(address->to_string());
  }
  std::set<std::string> expected;
  for (int host = 2; host <= 254; ++host) {
    expected.insert("10.0.0." + std::to_string(host));
  }
  EXPECT_EQ(addresses, expected);

  auto extra = ipam_->allocate("default", container("one-too-many"));
  ASSERT_FALSE(extra);
  EXPECT_EQ(extra.code(), ErrorCode::kExhausted);
  EXPECT_EQ(extra.error().message,
            "pool \"default\" (10.0.0.0/24) is exhausted: 253 of 253 addresses in use");
  expect_consistent();
}

TEST_F(IpamTest, SlashThirtyHandsOutOnlyTheSecondAddress) {
  create("default", "10.0.0.0/30", ip("10.0.0.1"));

  auto first = ipam_->allocate("default", container("a"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->to_string(), "10.0.0.2");

  auto second = ipam_->allocate("default", container("b"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.code(), ErrorCode::kExhausted);
  EXPECT_EQ(second.error().message,
            "pool \"default\" (10.0.0.0/30) is exhausted: 1 of 1 addresses in use");

  for (const char* never : {"10.0.0.0", "10.0.0.1", "10.0.0.3"}) {
    auto requested = ipam_->allocate("default", container("c"), ip(never));
    ASSERT_FALSE(requested) << never;
    EXPECT_EQ(requested.code(), ErrorCode::kInvalidArgument) << never;
  }
}

TEST_F(IpamTest, SameOwnerGetsSameAddress) {
  create("default", "10.0.0.0/24");

  auto first = ipam_->allocate("default", container("web-1"));
  auto again = ipam_->allocate("default", container("web-1"));
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *first);

  auto usage = ipam_->usage("default");
  ASSERT_TRUE(usage) << usage.error().message;
  EXPECT_EQ(usage->used, 1u);
}

TEST_F(IpamTest, SameNameWithOtherUidConflictNamesHolder) {
  create("default", "10.0.0.0/24");
  ASSERT_TRUE(ipam_->allocate("default", container("web-1", "uid-old")));

  auto other = ipam_->allocate("default", container("web-1", "uid-new"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.code(), ErrorCode::kConflict);
  const std::string& message = other.error().message;
  EXPECT_TRUE(contains(message, "container/web-1")) << message;
  EXPECT_TRUE(contains(message, "uid-old")) << message;
  EXPECT_TRUE(contains(message, "10.0.0.2")) << message;
}

TEST_F(IpamTest, NamesAreUniquePerKindAcrossPools) {
  create("a", "10.1.0.0/24");
  create("b", "10.2.0.0/24");
  ASSERT_TRUE(ipam_->allocate("a", container("web-1")));

  auto same_uid = ipam_->allocate("b", container("web-1"));
  ASSERT_FALSE(same_uid);
  EXPECT_EQ(same_uid.code(), ErrorCode::kConflict);
  EXPECT_TRUE(contains(same_uid.error().message, "10.1.0.2 in pool \"a\""))
      << same_uid.error().message;

  auto other_uid = ipam_->allocate("b", container("web-1", "uid-2"));
  ASSERT_FALSE(other_uid);
  EXPECT_EQ(other_uid.code(), ErrorCode::kConflict);
  EXPECT_TRUE(contains(other_uid.error().message, "container/web-1")) << other_uid.error().message;

  auto other_kind = ipam_->allocate("b", Owner{"vm", "web-1", "uid-web-1"});
  ASSERT_TRUE(other_kind) << other_kind.error().message;
  expect_consistent();
}

TEST_F(IpamTest, ReleasesOnlyForItsOwner) {
  create("default", "10.0.0.0/24");
  create("other", "10.9.0.0/24");
  auto address = ipam_->allocate("default", container("web-1", "uid-1"));
  ASSERT_TRUE(address) << address.error().message;

  auto wrong_uid = ipam_->release("default", container("web-1", "uid-2"));
  ASSERT_FALSE(wrong_uid);
  EXPECT_EQ(wrong_uid.code(), ErrorCode::kConflict);
  EXPECT_TRUE(contains(wrong_uid.error().message, "uid-1")) << wrong_uid.error().message;

  auto unknown = ipam_->release("default", container("web-2"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.code(), ErrorCode::kNotFound);

  auto wrong_pool = ipam_->release("other", container("web-1", "uid-1"));
  ASSERT_FALSE(wrong_pool);
  EXPECT_EQ(wrong_pool.code(), ErrorCode::kNotFound);

  auto still_held = ipam_->find_owner("container", "web-1");
  ASSERT_TRUE(still_held) << still_held.error().message;
  ASSERT_TRUE(still_held->has_value());
  EXPECT_EQ((*still_held)->address, *address);
  EXPECT_EQ(ipam_->usage("default")->used, 1u);

  auto released = ipam_->release("default", container("web-1", "uid-1"));
  ASSERT_TRUE(released) << released.error().message;
  EXPECT_EQ(*released, *address);
  EXPECT_EQ(ipam_->usage("default")->used, 0u);
  EXPECT_FALSE(ipam_->find_owner("container", "web-1")->has_value());
  expect_consistent();
}

TEST_F(IpamTest, NextFitDoesNotReuseJustReleasedAddress) {
  create("default", "10.0.0.0/24");
  auto a = ipam_->allocate("default", container("a"));
  auto b = ipam_->allocate("default", container("b"));
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_TRUE(ipam_->release("default", container("a")));

  auto c = ipam_->allocate("default", container("c"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_NE(*c, *a);
  EXPECT_NE(*c, *b);
}

TEST_F(IpamTest, NextFitWrapsToReleasedAddresses) {
  create("default", "10.0.0.0/29");  // 10.0.0.2 to 10.0.0.6
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    ASSERT_TRUE(ipam_->allocate("default", container(name)));
  }
  auto released = ipam_->release("default", container("b"));
  ASSERT_TRUE(released) << released.error().message;

  auto wrapped = ipam_->allocate("default", container("f"));
  ASSERT_TRUE(wrapped) << wrapped.error().message;
  EXPECT_EQ(*wrapped, *released);
}

TEST_F(IpamTest, RequestedAddressNeedsFreeAddressInRange) {
  create("default", "10.0.0.0/24", ip("10.0.0.1"), cidr("10.0.0.128/25"), {cidr("10.0.0.200/32")});
  ASSERT_TRUE(ipam_->allocate("default", container("holder"), ip("10.0.0.130")));
  ASSERT_TRUE(ipam_->reserve("default", ip("10.0.0.131"), "node/node-2"));

  struct Case {
    const char* address;
    ErrorCode code;        // kInternal here means success
    const char* fragment;  // expected in the error message
  };
  const Case cases[] = {
      {"10.0.0.140", ErrorCode::kInternal, ""},
      {"10.0.0.130", ErrorCode::kConflict, "allocated to container/holder (uid uid-holder)"},
      {"10.0.0.131", ErrorCode::kConflict, "reserved for node/node-2"},
      {"10.0.0.5", ErrorCode::kInvalidArgument,
       "outside the allocation range 10.0.0.128-10.0.0.254"},
      {"10.0.1.5", ErrorCode::kInvalidArgument, "outside the allocation range"},
      {"10.0.0.255", ErrorCode::kInvalidArgument, "outside the allocation range"},
      {"10.0.0.200", ErrorCode::kInvalidArgument, "excluded from pool \"default\""},
  };
  int n = 0;
  for (const auto& c : cases) {
    auto address = ipam_->allocate("default", container("r-" + std::to_string(n++)), ip(c.address));
    if (c.code == ErrorCode::kInternal) {
      ASSERT_TRUE(address) << c.address << ": " << address.error().message;
      EXPECT_EQ(address->to_string(), c.address);
      continue;
    }
    ASSERT_FALSE(address) << c.address;
    EXPECT_EQ(address.code(), c.code) << c.address << ": " << address.error().message;
    EXPECT_TRUE(contains(address.error().message, c.address)) << address.error().message;
    EXPECT_TRUE(contains(address.error().message, c.fragment)) << address.error().message;
  }
  expect_consistent();
}

TEST_F(IpamTest, RequestedGatewayIsRejected) {
  create("default", "10.0.0.0/24", ip("10.0.0.9"));

  auto gateway = ipam_->allocate("default", container("a"), ip("10.0.0.9"));
  ASSERT_FALSE(gateway);
  EXPECT_EQ(gateway.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(gateway.error().message, "10.0.0.9 is the gateway of pool \"default\"");
}

TEST_F(IpamTest, ReserveAndUnreserveBelongToTheHolder) {
  create("default", "10.0.0.0/24");

  ASSERT_TRUE(ipam_->reserve("default", ip("10.0.0.5"), "node/node-2"));
  auto again = ipam_->reserve("default", ip("10.0.0.5"), "node/node-2");
  EXPECT_TRUE(again) << again.error().message;

  auto other = ipam_->reserve("default", ip("10.0.0.5"), "node/node-3");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.code(), ErrorCode::kConflict);
  EXPECT_TRUE(contains(other.error().message, "node/node-2")) << other.error().message;

  auto usage = ipam_->usage("default");
  ASSERT_TRUE(usage) << usage.error().message;
  EXPECT_EQ(usage->reserved, 1u);
  EXPECT_EQ(usage->free, 252u);

  auto contents = ipam_->allocations("default");
  ASSERT_TRUE(contents) << contents.error().message;
  ASSERT_EQ(contents->reservations.size(), 1u);
  EXPECT_EQ(contents->reservations[0].address, ip("10.0.0.5"));
  EXPECT_EQ(contents->reservations[0].holder, "node/node-2");

  auto wrong_holder = ipam_->unreserve("default", ip("10.0.0.5"), "node/node-3");
  ASSERT_FALSE(wrong_holder);
  EXPECT_EQ(wrong_holder.code(), ErrorCode::kConflict);

  ASSERT_TRUE(ipam_->unreserve("default", ip("10.0.0.5"), "node/node-2"));
  auto twice = ipam_->unreserve("default", ip("10.0.0.5"), "node/node-2");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.code(), ErrorCode::kNotFound);
  EXPECT_EQ(ipam_->usage("default")->reserved, 0u);
  expect_consistent();
}

TEST_F(IpamTest, ReserveRejectsAddressesNeverHandedOut) {
  create("default", "10.0.0.0/24", ip("10.0.0.1"), std::nullopt, {cidr("10.0.0.7/32")});
  ASSERT_TRUE(ipam_->allocate("default", container("web-1")));

  struct Case {
    const char* address;
    ErrorCode code;
    const char* fragment;
  };
  const Case cases[] = {
      {"10.0.0.0", ErrorCode::kInvalidArgument, "network address"},
      {"10.0.0.255", ErrorCode::kInvalidArgument, "broadcast address"},
      {"10.0.0.1", ErrorCode::kInvalidArgument, "gateway"},
      {"10.0.0.7", ErrorCode::kInvalidArgument, "excluded"},
      {"10.0.1.7", ErrorCode::kInvalidArgument, "outside pool \"default\" (10.0.0.0/24)"},
      {"10.0.0.2", ErrorCode::kConflict, "allocated to container/web-1"},
  };
  for (const auto& c : cases) {
    auto status = ipam_->reserve("default", ip(c.address), "node/node-1");
    ASSERT_FALSE(status) << c.address;
    EXPECT_EQ(status.code(), c.code) << c.address << ": " << status.error().message;
    EXPECT_TRUE(contains(status.error().message, c.fragment)) << status.error().message;
  }
}

TEST_F(IpamTest, ReservedAddressesAreNeverAllocated) {
  create("default", "10.0.0.0/29");  // 10.0.0.2 to 10.0.0.6
  ASSERT_TRUE(ipam_->reserve("default", ip("10.0.0.3"), "node/node-1"));

  std::set<std::string> addresses;
  for (const char* name : {"a", "b", "c", "d"}) {
    auto address = ipam_->allocate("default", container(name));
    ASSERT_TRUE(address) << name << ": " << address.error().message;
    addresses.insert(address->to_string());
  }
  EXPECT_EQ(addresses.count("10.0.0.3"), 0u);

  auto full = ipam_->allocate("default", container("e"));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().message,
            "pool \"default\" (10.0.0.0/29) is exhausted: 5 of 5 addresses in use");
  expect_consistent();
}

TEST_F(IpamTest, ReserveNextIsIdempotentPerHolder) {
  create("default", "10.0.0.0/24");

  auto first = ipam_->reserve_next("default", "node/node-1");
  auto again = ipam_->reserve_next("default", "node/node-1");
  auto second = ipam_->reserve_next("default", "node/node-2");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(first->to_string(), "10.0.0.2");
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(second->to_string(), "10.0.0.3");

  auto allocated = ipam_->allocate("default", container("web-1"));
  ASSERT_TRUE(allocated) << allocated.error().message;
  EXPECT_EQ(allocated->to_string(), "10.0.0.4");
  EXPECT_EQ(ipam_->usage("default")->reserved, 2u);
  expect_consistent();
}

TEST_F(IpamTest, DeletingPoolWithAllocationsNeedsForce) {
  create("default", "10.0.0.0/24");
  ASSERT_TRUE(ipam_->allocate("default", container("web-1")));

  auto refused = ipam_->delete_pool("default", false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.code(), ErrorCode::kConflict);
  EXPECT_TRUE(contains(refused.error().message, "1 allocations")) << refused.error().message;
  ASSERT_TRUE(ipam_->get_pool("default"));

  auto forced = ipam_->delete_pool("default", true);
  ASSERT_TRUE(forced) << forced.error().message;
  auto gone = ipam_->get_pool("default");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.code(), ErrorCode::kNotFound);
  EXPECT_FALSE(ipam_->find_owner("container", "web-1")->has_value());

  // The name and the CIDR are free again.
  create("default", "10.0.0.0/24");
  auto reused = ipam_->allocate("default", container("web-1", "uid-next"));
  EXPECT_TRUE(reused) << reused.error().message;
  expect_consistent();
}

TEST_F(IpamTest, EmptyPoolIsDeletedWithoutForce) {
  create("default", "10.0.0.0/24");
  ASSERT_TRUE(ipam_->allocate("default", container("web-1")));
  ASSERT_TRUE(ipam_->release("default", container("web-1")));

  auto deleted = ipam_->delete_pool("default", false);
  EXPECT_TRUE(deleted) << deleted.error().message;

  auto missing = ipam_->delete_pool("default", false);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
}

TEST_F(IpamTest, OverlappingPoolsAreRejectedNamingThePool) {
  create("A", "10.123.0.0/17");

  for (const char* overlapping : {"10.123.0.0/18", "10.123.0.0/17"}) {
    auto layout = ipam_->create_pool(PoolSpec{"B", cidr(overlapping), {}, {}, {}});
    ASSERT_FALSE(layout) << overlapping;
    EXPECT_EQ(layout.code(), ErrorCode::kConflict) << overlapping;
    EXPECT_TRUE(contains(layout.error().message, "pool \"A\" (10.123.0.0/17)"))
        << layout.error().message;
  }

  auto containing = ipam_->create_pool(PoolSpec{"E", cidr("10.0.0.0/8"), {}, {}, {}});
  ASSERT_FALSE(containing);
  EXPECT_EQ(containing.code(), ErrorCode::kConflict);

  auto adjacent = ipam_->create_pool(PoolSpec{"D", cidr("10.123.128.0/17"), {}, {}, {}});
  EXPECT_TRUE(adjacent) << adjacent.error().message;
  expect_consistent();
}

TEST_F(IpamTest, DuplicatePoolNameIsRejected) {
  create("default", "10.0.0.0/24");

  auto again = ipam_->create_pool(PoolSpec{"default", cidr("10.1.0.0/24"), {}, {}, {}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.code(), ErrorCode::kConflict);
  EXPECT_TRUE(contains(again.error().message, "already exists (10.0.0.0/24)"))
      << again.error().message;
}

TEST_F(IpamTest, PoolDefinitionsRoundTrip) {
  PoolSpec spec{"web",
                cidr("10.89.0.0/24"),
                ip("10.89.0.1"),
                cidr("10.89.0.128/25"),
                {cidr("10.89.0.200/32"), cidr("10.89.0.240/28")}};
  ASSERT_TRUE(ipam_->create_pool(spec));
  create("db", "10.90.0.0/16");

  auto stored = ipam_->get_pool("web");
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(*stored, spec);

  auto pools = ipam_->list_pools();
  ASSERT_TRUE(pools) << pools.error().message;
  ASSERT_EQ(pools->size(), 2u);
  EXPECT_EQ((*pools)[0].name, "db");
  EXPECT_EQ((*pools)[0].gateway, ip("10.90.0.1"));
  EXPECT_EQ((*pools)[1], spec);

  auto usage = ipam_->usage("web");
  ASSERT_TRUE(usage) << usage.error().message;
  EXPECT_EQ(usage->size, 256u);
  EXPECT_EQ(usage->capacity, 127u - 1 - 15);  // .255 is broadcast, inside .240/28
  EXPECT_EQ(usage->free, usage->capacity);
  expect_consistent();
}

TEST_F(IpamTest, AllocationsListOwnersByAddress) {
  create("default", "10.0.0.0/24");
  ASSERT_TRUE(ipam_->allocate("default", container("b"), ip("10.0.0.20")));
  ASSERT_TRUE(ipam_->allocate("default", container("a"), ip("10.0.0.10")));

  auto contents = ipam_->allocations("default");
  ASSERT_TRUE(contents) << contents.error().message;
  ASSERT_EQ(contents->allocations.size(), 2u);
  EXPECT_EQ(contents->allocations[0].address, ip("10.0.0.10"));
  EXPECT_EQ(contents->allocations[0].owner, container("a"));
  EXPECT_EQ(contents->allocations[1].address, ip("10.0.0.20"));
  EXPECT_EQ(contents->allocations[1].owner, container("b"));
}

TEST_F(IpamTest, UnknownPoolIsNotFound) {
  auto allocated = ipam_->allocate("missing", container("a"));
  ASSERT_FALSE(allocated);
  EXPECT_EQ(allocated.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(contains(allocated.error().message, "pool \"missing\" does not exist"))
      << allocated.error().message;

  EXPECT_EQ(ipam_->release("missing", container("a")).code(), ErrorCode::kNotFound);
  EXPECT_EQ(ipam_->reserve("missing", ip("10.0.0.2"), "node/n").code(), ErrorCode::kNotFound);
  EXPECT_EQ(ipam_->reserve_next("missing", "node/n").code(), ErrorCode::kNotFound);
  EXPECT_EQ(ipam_->unreserve("missing", ip("10.0.0.2"), "node/n").code(), ErrorCode::kNotFound);
  EXPECT_EQ(ipam_->usage("missing").code(), ErrorCode::kNotFound);
  EXPECT_EQ(ipam_->allocations("missing").code(), ErrorCode::kNotFound);
  EXPECT_EQ(ipam_->get_pool("missing").code(), ErrorCode::kNotFound);
}

TEST_F(IpamTest, InvalidOwnerIsRejectedBeforeRedis) {
  create("default", "10.0.0.0/24");
  const Owner cases[] = {
      {"", "web-1", "u"},           {"Container", "web-1", "u"}, {"container", "", "u"},
      {"container", "web 1", "u"},  {"container", "web-1", ""},  {"container", "web\"1", "u"},
      {"container", "web\\1", "u"},
  };
  for (const auto& owner : cases) {
    auto address = ipam_->allocate("default", owner);
    ASSERT_FALSE(address) << owner.key();
    EXPECT_EQ(address.code(), ErrorCode::kInvalidArgument) << owner.key();
  }
  EXPECT_EQ(ipam_->usage("default")->used, 0u);
}

TEST_F(IpamTest, CheckerReportsCorruptedState) {
  struct Case {
    const char* what;
    std::vector<std::string> command;
    const char* problem;
  };
  const Case cases[] = {
      {"stray bit",
       {"SETBIT", keys::bitmap("default"), "100", "1"},
       "10.0.0.100 is marked in use but has no allocation or reservation record"},
      {"cleared gateway bit",
       {"SETBIT", keys::bitmap("default"), "1", "0"},
       "10.0.0.1 is not marked in use"},
      {"lost allocation record",
       {"HDEL", keys::owners("default"), "10.0.0.2"},
       "10.0.0.2 is marked in use but has no allocation or reservation record"},
      {"lost name entry",
       {"HDEL", keys::names(), "container/web-1"},
       "missing from the name index"},
      {"wrong counter", {"HINCRBY", keys::pool("default"), "used", "1"}, "counter \"used\" is 2"},
      {"cursor outside", {"HSET", keys::pool("default"), "cursor", "0"}, "cursor 0 is outside"},
      {"short bitmap", {"SET", keys::bitmap("default"), "x"}, "bitmap is 1 bytes long"},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(client_->command({"FLUSHALL"}));
    create("default", "10.0.0.0/24");
    ASSERT_TRUE(ipam_->allocate("default", container("web-1")));
    auto clean = ipam_->check();
    ASSERT_TRUE(clean) << clean.error().message;
    ASSERT_TRUE(clean->empty()) << c.what << ": " << clean->front();

    ASSERT_TRUE(client_->command(c.command)) << c.what;
    auto problems = ipam_->check();
    ASSERT_TRUE(problems) << problems.error().message;
    bool found = false;
    for (const auto& problem : *problems) {
      found = found || contains(problem, c.problem);
    }
    EXPECT_TRUE(found) << c.what << ": expected \"" << c.problem << "\" among "
                       << ::testing::PrintToString(*problems);
  }
}

TEST(IpamRestartTest, AllocatesAfterRedisRestart) {
  raictl::testing::RedisServer server({.tcp = false, .append_only = true});
  auto client = server.connect();
  ASSERT_TRUE(client);
  Ipam ipam(*client);
  ASSERT_TRUE(ipam.create_pool(PoolSpec{"default", *Cidr::parse("10.0.0.0/24"), {}, {}, {}}));
  auto before = ipam.allocate("default", Owner{"container", "a", "uid-a"});
  ASSERT_TRUE(before) << before.error().message;

  // The restart drops the connection and the script cache. allocate reconnects, retries
  // once and loads its script again.
  server.restart();
  auto after = ipam.allocate("default", Owner{"container", "b", "uid-b"});
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_NE(*after, *before);

  auto problems = ipam.check();
  ASSERT_TRUE(problems) << problems.error().message;
  EXPECT_TRUE(problems->empty()) << problems->front();
}

TEST_F(IpamTest, HoldKeepsAddressFreesName) {
  create("default", "10.0.0.0/24");
  auto old = ipam_->allocate("default", container("web-1"));
  ASSERT_TRUE(old) << old.error().message;

  ASSERT_TRUE(ipam_->hold("default", container("web-1"), *old, "held/node-1/web-1"));
  ASSERT_TRUE(ipam_->hold("default", container("web-1"), *old, "held/node-1/web-1"));
  auto moved = ipam_->allocate("default", container("web-1"));
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_NE(*moved, *old);
  auto reuse = ipam_->allocate("default", container("web-2"), *old);
  EXPECT_EQ(reuse.code(), ErrorCode::kConflict);
  expect_consistent();

  ASSERT_TRUE(ipam_->unreserve("default", *old, "held/node-1/web-1"));
  EXPECT_EQ(ipam_->usage("default")->used, 1u);
  expect_consistent();
}

TEST_F(IpamTest, UnholdRestoresOwnerAddress) {
  create("default", "10.0.0.0/24");
  auto old = ipam_->allocate("default", container("web-1"));
  ASSERT_TRUE(old) << old.error().message;
  ASSERT_TRUE(ipam_->hold("default", container("web-1"), *old, "held/node-1/web-1"));

  ASSERT_TRUE(ipam_->unhold("default", container("web-1"), *old, "held/node-1/web-1"));
  EXPECT_EQ(*ipam_->allocate("default", container("web-1")), *old);
  EXPECT_EQ(ipam_->usage("default")->reserved, 0u);
  expect_consistent();

  auto wrong = ipam_->hold("default", container("web-1", "other-uid"), *old, "held/node-1/web-1");
  EXPECT_EQ(wrong.code(), ErrorCode::kConflict);
}

}  // namespace
}  // namespace raictl::ipam
