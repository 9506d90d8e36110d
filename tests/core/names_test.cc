#include "core/names.h"

#include <gtest/gtest.h>

#include <string>

namespace raictl {
namespace {

struct NameCase {
  std::string value;
  std::string expected_fragment;  // "" for a valid value
};

void expect_status(const Status& status, const NameCase& c) {
  if (c.expected_fragment.empty()) {
    EXPECT_TRUE(status.ok()) << c.value << ": " << status.error().message;
    return;
  }
  ASSERT_FALSE(status.ok()) << c.value;
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << c.value;
  EXPECT_NE(status.error().message.find(c.expected_fragment), std::string::npos)
      << "value: " << c.value << "\nmessage: " << status.error().message;
}

TEST(NamesTest, Dns1123LabelRules) {
  const NameCase cases[] = {
      {"web", ""},
      {"web-1", ""},
      {"a", ""},
      {"0", ""},
      {"1web", ""},
      {std::string(63, 'a'), ""},
      {"", "pool name is empty"},
      {std::string(64, 'a'), "it has 64 characters but a DNS-1123 label allows at most 63"},
      {"Web", "use lowercase letters, digits and '-' (DNS-1123 label), for example \"web\""},
      {"web_1", "for example \"web-1\""},
      {"web.1", "use lowercase letters, digits and '-'"},
      {"-web", "start and end it with a lowercase letter or digit"},
      {"web-", "for example \"web\""},
  };
  for (const NameCase& c : cases) {
    expect_status(validate_dns1123_label(c.value, "pool name"), c);
  }
}

TEST(NamesTest, ContainerNameMessageMatchesManual) {
  Status status = validate_container_name("Web_1");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "container name \"Web_1\" is invalid: use lowercase letters, digits and '-' "
            "(DNS-1123 label), for example \"web-1\"");
}

TEST(NamesTest, ContainerNameNeedsTwoCharacters) {
  const NameCase cases[] = {
      {"ab", ""},
      {"a1", ""},
      {"a", "use at least 2 characters, for example \"a1\""},
      {"7", "use at least 2 characters"},
  };
  for (const NameCase& c : cases) {
    expect_status(validate_container_name(c.value), c);
  }
}

TEST(NamesTest, LabelKeys) {
  const NameCase cases[] = {
      {"app", ""},
      {"App_Name.v2", ""},
      {"example.com/tier", ""},
      {"raictl.io/pool", ""},
      {"1", ""},
      {std::string(63, 'k'), ""},
      {"", "label key is empty"},
      {"-app", "starting and ending with a letter or digit"},
      {"app-", "starting and ending with a letter or digit"},
      {"a b", "label key \"a b\" is invalid"},
      {std::string(64, 'k'), "1 to 63"},
      {"Example.com/tier", "the prefix \"Example.com\" must be a lowercase DNS name"},
      {"/tier", "the prefix \"\" must be"},
      {"example.com/", "the name after an optional \"prefix/\""},
      {"a/b/c", "label key \"a/b/c\" is invalid"},
  };
  for (const NameCase& c : cases) {
    expect_status(validate_label_key(c.value), c);
  }
}

TEST(NamesTest, LabelValues) {
  const NameCase cases[] = {
      {"", ""},
      {"web", ""},
      {"1.10", ""},
      {"Yes", ""},
      {"a_b-c.d", ""},
      {"-web", "label value \"-web\" of key \"app\" is invalid"},
      {"web.", "starting and ending with a letter or digit"},
      {"a b", "is invalid"},
      {"a/b", "is invalid"},
      {std::string(64, 'v'), "at most 63"},
  };
  for (const NameCase& c : cases) {
    expect_status(validate_label_value("app", c.value), c);
  }
}

TEST(NamesTest, ImageReferences) {
  const std::string digest(64, 'a');
  const NameCase cases[] = {
      {"raictl/busybox:latest", ""},
      {"busybox", ""},
      {"busybox:1.36.1", ""},
      {"localhost:5000/a/b:1.0", ""},
      {"localhost/app", ""},
      {"registry.example.com/team/app:v1_RC", ""},
      {"a@sha256:" + digest, ""},
      {"a:1.0@sha256:" + digest, ""},
      {"my__app/x-y--z.w", ""},
      {"Busybox", "repository names must be lowercase, for example \"busybox\""},
      {"Raictl/Busybox:Latest", "for example \"raictl/busybox:Latest\""},
      {"a:", "the tag after ':' is empty"},
      {":tag", "the repository name before the tag or digest is missing"},
      {"a b", "it contains whitespace or a control character"},
      {"", "image is empty"},
      {"a@sha256:abc", "needs 64 lowercase hex digits"},
      {"a@sha256:" + std::string(64, 'A'), "needs 64 lowercase hex digits"},
      {"a@md5:abc", "is not supported: use sha256"},
      {"a:-tag", "tag \"-tag\" must be"},
      {"a:" + std::string(129, 't'), "tag \"" + std::string(129, 't') + "\" must be 1 to 128"},
      {"app/", "path component \"\" must be"},
      {"a..b", "path component \"a..b\""},
      {"a___b", "path component \"a___b\""},
      {"bad_host:x/app", "registry \"bad_host:x\" is not a valid host[:port]"},
      {std::string(256, 'a'), "the repository name has 256 characters, at most 255"},
  };
  for (const NameCase& c : cases) {
    expect_status(validate_image_reference(c.value), c);
  }
}

TEST(NamesTest, EnvironmentVariableNames) {
  const NameCase cases[] = {
      {"PATH", ""},
      {"_private", ""},
      {"http_proxy", ""},
      {"A1", ""},
      {"", "environment variable name \"\" is invalid"},
      {"1A", "for example \"_1A\""},
      {"MY-VAR", "for example \"MY_VAR\""},
      {"A=B", "is invalid"},
  };
  for (const NameCase& c : cases) {
    expect_status(validate_env_name(c.value), c);
  }
}

}  // namespace
}  // namespace raictl
