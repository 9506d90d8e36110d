#include "runtime/runtime_types.h"

#include <gtest/gtest.h>

namespace raictl {
namespace {

TEST(ImageReferenceTest, SplitsAtTagNotRegistryPort) {
  struct Case {
    std::string reference;
    std::string repository;
    std::string tag;
  };
  const Case cases[] = {
      {"raictl/busybox:latest", "raictl/busybox", "latest"},
      {"raictl/busybox", "raictl/busybox", "latest"},
      {"busybox:1.36", "busybox", "1.36"},
      {"localhost:5000/app", "localhost:5000/app", "latest"},
      {"localhost:5000/app:v2", "localhost:5000/app", "v2"},
      {"app@sha256:0123", "app@sha256:0123", ""},
  };
  for (const Case& c : cases) {
    ImageReference reference = parse_image_reference(c.reference);
    EXPECT_EQ(reference.repository, c.repository) << c.reference;
    EXPECT_EQ(reference.tag, c.tag) << c.reference;
  }
}

TEST(NetworkMismatchTest, ComparesOnlyFieldsTheSpecSets) {
  NetworkInfo actual;
  actual.driver = "bridge";
  actual.subnet = "10.88.0.0/24";
  actual.gateway = "10.88.0.1";
  actual.bridge_name = "rbr-blue";
  actual.mtu = 0;

  NetworkSpec loose;
  loose.subnet = "10.88.0.0/24";
  EXPECT_TRUE(network_mismatches(loose, actual).empty());

  NetworkSpec strict = loose;
  strict.gateway = "10.88.0.254";
  strict.mtu = 1400;
  auto mismatches = network_mismatches(strict, actual);
  ASSERT_EQ(mismatches.size(), 2u);
  EXPECT_EQ(mismatches[0], "gateway is 10.88.0.1, expected 10.88.0.254");
  EXPECT_EQ(mismatches[1], "mtu is unset, expected 1400");
}

TEST(NetworkMismatchTest, RejectsOtherDriver) {
  NetworkInfo actual;
  actual.driver = "macvlan";

  auto mismatches = network_mismatches(NetworkSpec{}, actual);

  ASSERT_EQ(mismatches.size(), 1u);
  EXPECT_EQ(mismatches[0], "driver is macvlan, expected bridge");
}

TEST(StateNameTest, NamesEveryState) {
  EXPECT_STREQ(container_state_name(ContainerState::kRunning), "running");
  EXPECT_STREQ(container_state_name(ContainerState::kExited), "exited");
  EXPECT_STREQ(event_action_name(EventAction::kOom), "oom");
}

}  // namespace
}  // namespace raictl
