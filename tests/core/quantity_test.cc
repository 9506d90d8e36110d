#include "core/quantity.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace raictl {
namespace {

struct ValidCase {
  std::string text;
  int64_t expected;
};

struct InvalidCase {
  std::string text;
  std::string expected_fragment;
};

TEST(QuantityTest, ParsesCpu) {
  const ValidCase cases[] = {
      {"250m", 250}, {"0.5", 500},  {"2", 2000},    {"1m", 1},
      {"0.001", 1},  {"1.5", 1500}, {"0.500", 500}, {"1000000", 1'000'000'000},
  };
  for (const ValidCase& c : cases) {
    auto millis = parse_cpu(c.text);
    ASSERT_TRUE(millis) << c.text << ": " << millis.error().message;
    EXPECT_EQ(*millis, c.expected) << c.text;
  }
}

TEST(QuantityTest, RejectsInvalidCpu) {
  const InvalidCase cases[] = {
      {"250x",
       "cpu \"250x\" is invalid: unknown unit \"x\"; use cores (\"0.5\", \"2\") or "
       "millicores (\"250m\")"},
      {"-1", "cpu \"-1\" is invalid: it must be greater than zero; omit cpu for no limit"},
      {"0", "it must be greater than zero"},
      {"0m", "it must be greater than zero"},
      {"1.5.5", "it has more than one decimal point"},
      {"0.0005", "the smallest unit is 1m (0.001 cores)"},
      {"1.5m", "the smallest unit is 1m"},
      {"", "it does not start with a digit"},
      {".5", "it does not start with a digit"},
      {"1.", "a digit must follow the decimal point"},
      {"2 ", "unknown unit \" \""},
      {"1000001", "it exceeds the maximum of 1000000 cores"},
      {"9999999999999999999", "it exceeds the maximum of 1000000 cores"},
      {"0.0000000000000000001", "it has too many decimal places"},
  };
  for (const InvalidCase& c : cases) {
    auto millis = parse_cpu(c.text);
    ASSERT_FALSE(millis) << c.text;
    EXPECT_EQ(millis.code(), ErrorCode::kInvalidArgument) << c.text;
    EXPECT_NE(millis.error().message.find(c.expected_fragment), std::string::npos)
        << "text: " << c.text << "\nmessage: " << millis.error().message;
  }
}

TEST(QuantityTest, FormatsCpuCanonically) {
  EXPECT_EQ(format_cpu(250), "250m");
  EXPECT_EQ(format_cpu(2000), "2");
  EXPECT_EQ(format_cpu(1500), "1500m");
  EXPECT_EQ(format_cpu(1), "1m");
}

TEST(QuantityTest, CpuRoundTripsThroughCanonicalForm) {
  for (int64_t millis : {int64_t{1}, int64_t{250}, int64_t{999}, int64_t{1000}, int64_t{1001},
                         int64_t{64000}, kMaxCpuMillis}) {
    auto parsed = parse_cpu(format_cpu(millis));
    ASSERT_TRUE(parsed) << millis;
    EXPECT_EQ(*parsed, millis);
  }
}

TEST(QuantityTest, ParsesMemory) {
  const ValidCase cases[] = {
      {"64Mi", 64 * 1024 * 1024},
      {"1Gi", int64_t{1} << 30},
      {"128M", 128'000'000},
      {"1000", 1000},
      {"1k", 1000},
      {"1Ki", 1024},
      {"1.5Gi", 1'610'612'736},
      {"0.5Ki", 512},
      {"2T", 2'000'000'000'000},
      {"7Ei", int64_t{7} << 60},
  };
  for (const ValidCase& c : cases) {
    auto bytes = parse_memory(c.text);
    ASSERT_TRUE(bytes) << c.text << ": " << bytes.error().message;
    EXPECT_EQ(*bytes, c.expected) << c.text;
  }
}

TEST(QuantityTest, RejectsInvalidMemory) {
  const InvalidCase cases[] = {
      {"64Mb",
       "memory \"64Mb\" is invalid: unknown unit \"Mb\"; use 64Mi (1024-based) or 64M "
       "(1000-based)"},
      {"64m", "use 64Mi (1024-based) or 64M (1000-based)"},
      {"64MB", "use 64Mi (1024-based) or 64M (1000-based)"},
      {"64MiB", "use 64Mi (1024-based) or 64M (1000-based)"},
      {"512K", "use 512Ki (1024-based) or 512k (1000-based)"},
      {"1gb", "use 1Gi (1024-based) or 1G (1000-based)"},
      {"64x", "unknown unit \"x\"; use bytes with an optional unit"},
      {"-1", "it must be greater than zero; omit memory for no limit"},
      {"0", "it must be greater than zero"},
      {"0.5", "it is not a whole number of bytes"},
      {"0.1Ki", "it is not a whole number of bytes"},
      {"1.5.5", "it has more than one decimal point"},
      {"Mi", "it does not start with a digit"},
      {"8Ei", "it exceeds the maximum of 9223372036854775807 bytes"},
      {"9999999999999999999", "it exceeds the maximum of 9223372036854775807 bytes"},
      {"9223372036854775808", "it exceeds the maximum"},
  };
  for (const InvalidCase& c : cases) {
    auto bytes = parse_memory(c.text);
    ASSERT_FALSE(bytes) << c.text;
    EXPECT_EQ(bytes.code(), ErrorCode::kInvalidArgument) << c.text;
    EXPECT_NE(bytes.error().message.find(c.expected_fragment), std::string::npos)
        << "text: " << c.text << "\nmessage: " << bytes.error().message;
  }
}

TEST(QuantityTest, FormatsMemoryCanonically) {
  EXPECT_EQ(format_memory(64 * 1024 * 1024), "64Mi");
  EXPECT_EQ(format_memory(128'000'000), "128M");
  EXPECT_EQ(format_memory(1000), "1k");
  EXPECT_EQ(format_memory(1024), "1Ki");
  EXPECT_EQ(format_memory(1500), "1500");
  EXPECT_EQ(format_memory(int64_t{1} << 30), "1Gi");
  EXPECT_EQ(format_memory(1'610'612'736), "1536Mi");
  EXPECT_EQ(format_memory(1'024'000), "1024k");
}

TEST(QuantityTest, MemoryRoundTripsThroughCanonicalForm) {
  for (int64_t bytes :
       {int64_t{1}, int64_t{1000}, int64_t{1023}, int64_t{1024}, int64_t{6 * 1024 * 1024},
        int64_t{128'000'000}, int64_t{1'610'612'736}, std::numeric_limits<int64_t>::max()}) {
    auto parsed = parse_memory(format_memory(bytes));
    ASSERT_TRUE(parsed) << bytes << " printed as " << format_memory(bytes);
    EXPECT_EQ(*parsed, bytes);
  }
}

}  // namespace
}  // namespace raictl
