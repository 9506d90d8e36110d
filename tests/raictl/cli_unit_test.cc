// Unit tests of the raictl CLI's pure parts: the column printer, ages, event folding,
// label selectors and the validation of `raictl run` flags.
#include <gtest/gtest.h>

#include <sstream>

#include "raictl/run.h"
#include "raictl/selector.h"
#include "raictl/table.h"

namespace raictl::cli {
namespace {

TEST(Table, PadsColumnsWithThreeSpaces) {
  Table table({"NAME", "STATUS"});
  table.add_row({"web-1", "Running"});
  table.add_row({"a", "Pending"});
  std::ostringstream out;
  table.print(out);
  EXPECT_EQ(out.str(),
            "NAME    STATUS\n"
            "web-1   Running\n"
            "a       Pending\n");
}

TEST(Table, LeavesNoTrailingSpaces) {
  Table table({"NAME", "IP"});
  table.add_row({"web-1", ""});
  std::ostringstream out;
  table.print(out);
  EXPECT_EQ(out.str(), "NAME    IP\nweb-1\n");
}

TEST(Table, IndentsEveryLine) {
  Table table({"TYPE"});
  table.add_row({"Normal"});
  std::ostringstream out;
  table.print(out, "  ");
  EXPECT_EQ(out.str(), "  TYPE\n  Normal\n");
}

TEST(FormatAge, UsesLargestWholeUnit) {
  struct Case {
    int64_t ms;
    const char* expected;
  };
  const Case cases[] = {
      {0, "0s"},
      {45'000, "45s"},
      {59'999, "59s"},
      {60'000, "1m"},
      {3 * 60'000 + 5, "3m"},
      {2 * 3'600'000, "2h"},
      {86'400'000 - 1, "23h"},
      {5 * 86'400'000LL, "5d"},
      {-5'000, "0s"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_age(c.ms), c.expected) << "age_ms=" << c.ms;
  }
}

TEST(FormatAgeSince, MalformedTimeIsUnknown) {
  EXPECT_EQ(format_age_since("yesterday", 1'000'000), "<unknown>");
}

TEST(FormatEventAge, SingleEventShowsOnlyItsAge) {
  int64_t now = 1'000'000'000;
  EXPECT_EQ(format_event_age(now - 12'000, now - 12'000, 1, now), "12s");
}

TEST(FormatEventAge, RepeatsShowCountAndSpan) {
  int64_t now = 1'000'000'000;
  EXPECT_EQ(format_event_age(now - 120'000, now - 12'000, 3, now), "12s (x3 over 2m)");
}

TEST(ParseSelector, AcceptsEqualityTerms) {
  auto selector = parse_selector("app=web,tier=db");
  ASSERT_TRUE(selector.ok()) << selector.error().message;
  EXPECT_EQ(selector->size(), 2u);
  EXPECT_EQ(selector->at("app"), "web");
  EXPECT_EQ(selector->at("tier"), "db");
}

TEST(ParseSelector, RejectsOtherOperators) {
  for (const char* text : {"tier!=db", "app==web", "app", "app=web,", "=web"}) {
    auto selector = parse_selector(text);
    EXPECT_FALSE(selector.ok()) << text;
  }
}

TEST(ParseSelector, ErrorNamesTheTerm) {
  auto selector = parse_selector("app=web,tier!=db");
  ASSERT_FALSE(selector.ok());
  EXPECT_NE(selector.error().message.find("\"tier!=db\""), std::string::npos)
      << selector.error().message;
}

TEST(ParseSelector, RejectsInvalidLabelKey) {
  auto selector = parse_selector("-app=web");
  EXPECT_FALSE(selector.ok());
}

TEST(SelectorMatches, NeedsEveryTerm) {
  LabelSelector selector = {{"app", "web"}, {"tier", "db"}};
  EXPECT_TRUE(selector_matches(selector, {{"app", "web"}, {"tier", "db"}, {"x", "y"}}));
  EXPECT_FALSE(selector_matches(selector, {{"app", "web"}}));
  EXPECT_FALSE(selector_matches(selector, {{"app", "web"}, {"tier", "cache"}}));
}

RunOptions valid_run() {
  RunOptions options;
  options.name = "web-1";
  options.image = "nginx:1.25";
  return options;
}

TEST(BuildRunContainer, FillsSpecFromFlags) {
  RunOptions options = valid_run();
  options.command = {"sleep", "60"};
  options.env = {"MODE=fast"};
  options.labels = {"app=web"};
  options.cpu = "250m";
  options.memory = "64Mi";
  options.restart = "Never";

  auto container = build_run_container(options);
  ASSERT_TRUE(container.ok()) << container.error().message;
  const auto& spec = std::get<ContainerSpec>(container->spec);
  EXPECT_EQ(container->meta.name, "web-1");
  EXPECT_EQ(container->meta.labels.at("app"), "web");
  EXPECT_EQ(spec.command, (std::vector<std::string>{"sleep", "60"}));
  EXPECT_EQ(spec.env.at("MODE"), "fast");
  EXPECT_EQ(spec.resources.cpu_millis, 250);
  EXPECT_EQ(spec.resources.memory_bytes, 64 * 1024 * 1024);
  EXPECT_EQ(spec.restart_policy, RestartPolicy::kNever);
  EXPECT_EQ(spec.pool, "default");
}

// Each bad flag value must produce a message that names the field and the value.
TEST(BuildRunContainer, RejectsBadValuesNamingThem) {
  struct Case {
    const char* what;
    void (*apply)(RunOptions&);
    const char* expected_text;
  };
  const Case cases[] = {
      {"name", [](RunOptions& o) { o.name = "Web_1"; }, "Web_1"},
      {"image", [](RunOptions& o) { o.image = "Nginx:1.25"; }, "Nginx:1.25"},
      {"memory", [](RunOptions& o) { o.memory = "64m"; }, "64m"},
      {"cpu", [](RunOptions& o) { o.cpu = "lots"; }, "lots"},
      {"restart", [](RunOptions& o) { o.restart = "Sometimes"; }, "Sometimes"},
      {"env name", [](RunOptions& o) { o.env = {"1BAD=x"}; }, "1BAD"},
      {"env form", [](RunOptions& o) { o.env = {"NOVALUE"}; }, "NOVALUE"},
      {"label form", [](RunOptions& o) { o.labels = {"app"}; }, "app"},
  };
  for (const auto& c : cases) {
    RunOptions options = valid_run();
    c.apply(options);
    auto container = build_run_container(options);
    ASSERT_FALSE(container.ok()) << c.what;
    EXPECT_NE(container.error().message.find(c.expected_text), std::string::npos)
        << c.what << ": " << container.error().message;
    EXPECT_EQ(container.error().message.find("<run>"), std::string::npos)
        << c.what << ": " << container.error().message;
  }
}

}  // namespace
}  // namespace raictl::cli
