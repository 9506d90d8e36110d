#include "reconciler/node_config.h"

#include <gtest/gtest.h>

#include "fmt/format.h"

namespace raictl::reconciler {
namespace {

using std::chrono::milliseconds;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(CpusFlagTest, AcceptsWholeAndDecimalCpus) {
  EXPECT_EQ(*parse_cpus_flag("2"), 2000);
  EXPECT_EQ(*parse_cpus_flag("1.5"), 1500);
  EXPECT_EQ(*parse_cpus_flag("250m"), 250);
}

TEST(CpusFlagTest, RejectsWithValueAndFix) {
  for (const char* text : {"0", "-1", "abc", "1.5x", "0.0001", ""}) {
    auto parsed = parse_cpus_flag(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_TRUE(contains(parsed.error().message, fmt::format("--cpus \"{}\"", text)))
        << parsed.error().message;
    EXPECT_TRUE(contains(parsed.error().message, "such as 2 or 1.5")) << parsed.error().message;
  }
}

TEST(MemoryFlagTest, AcceptsBinaryAndDecimalUnits) {
  EXPECT_EQ(*parse_memory_flag("2Gi"), int64_t{2} << 30);
  EXPECT_EQ(*parse_memory_flag("1536Mi"), int64_t{1536} << 20);
  EXPECT_EQ(*parse_memory_flag("4G"), 4'000'000'000);
}

TEST(MemoryFlagTest, RejectsWithValueAndFix) {
  for (const char* text : {"0", "2g", "2GB", "-1Gi", "lots", ""}) {
    auto parsed = parse_memory_flag(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_TRUE(contains(parsed.error().message, fmt::format("--memory \"{}\"", text)))
        << parsed.error().message;
    EXPECT_TRUE(contains(parsed.error().message, "such as 2Gi")) << parsed.error().message;
  }
}

TEST(HeartbeatIntervalTest, PassesWithoutGraceSetting) {
  EXPECT_TRUE(check_heartbeat_interval(nlohmann::json::object(), milliseconds(60'000)));
}

TEST(HeartbeatIntervalTest, PassesAtThreeBeatsPerGrace) {
  EXPECT_TRUE(check_heartbeat_interval({{"nodeGraceMs", 15'000}}, milliseconds(2000)));
  EXPECT_TRUE(check_heartbeat_interval({{"nodeGraceMs", 6000}}, milliseconds(2000)));
}

TEST(HeartbeatIntervalTest, RejectsShortGraceNamingBothValues) {
  auto checked = check_heartbeat_interval({{"nodeGraceMs", 5000}}, milliseconds(2000));
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.code(), ErrorCode::kInvalidArgument);
  const std::string& message = checked.error().message;
  EXPECT_TRUE(contains(message, "--heartbeat-interval 2 ")) << message;
  EXPECT_TRUE(contains(message, "node grace of 5 s")) << message;
  EXPECT_TRUE(contains(message, "--heartbeat-interval 1.666 or less")) << message;
  EXPECT_TRUE(contains(message, "--node-grace 6 or more")) << message;
}

TEST(HeartbeatIntervalTest, MalformedGraceIsInternal) {
  auto checked = check_heartbeat_interval({{"nodeGraceMs", "soon"}}, milliseconds(2000));
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace raictl::reconciler
