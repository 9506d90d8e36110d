#include "runtime/docker_error.h"

#include <gtest/gtest.h>

#include <string>

#include "runtime/docker_client.h"

namespace raictl {
namespace {

bool contains(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

TEST(DockerErrorTest, MapsHttpStatusToCode) {
  struct Case {
    long status;
    ErrorCode code;
  };
  const Case cases[] = {
      {400, ErrorCode::kInvalidArgument}, {403, ErrorCode::kConflict},
      {404, ErrorCode::kNotFound},        {409, ErrorCode::kConflict},
      {500, ErrorCode::kInternal},        {503, ErrorCode::kUnavailable},
      {418, ErrorCode::kInternal},
  };
  for (const Case& c : cases) {
    Error error = error_from_docker_reply(c.status, R"({"message":"text"})", "do something");
    EXPECT_EQ(error.code, c.code) << "HTTP " << c.status;
  }
}

TEST(DockerErrorTest, KeepsDockersMessageAfterOperation) {
  Error error = error_from_docker_reply(404, R"({"message":"No such image: raictl/nope:latest"})",
                                        "create container web-1");

  EXPECT_EQ(error.message, "create container web-1: No such image: raictl/nope:latest");
}

TEST(DockerErrorTest, AddsStatusToInternalErrors) {
  Error error =
      error_from_docker_reply(500, R"({"message":"driver failed"})", "start container db");

  EXPECT_EQ(error.message, "start container db: driver failed (HTTP 500)");
}

TEST(DockerErrorTest, UsesBodyThatIsNotJson) {
  Error error = error_from_docker_reply(400, "  page not found\n", "list containers");

  EXPECT_EQ(error.message, "list containers: page not found");
}

TEST(DockerErrorTest, NamesStatusWhenBodyIsEmpty) {
  Error error = error_from_docker_reply(502, "", "list containers");

  EXPECT_TRUE(contains(error.message, "HTTP 502 without a message")) << error.message;
}

TEST(DockerErrorTest, RefusedConnectionIsUnavailableWithHint) {
  Error error = error_from_curl(CURLE_COULDNT_CONNECT, "Failed to connect", "list containers",
                                "/run/test/docker.sock", std::chrono::milliseconds(1000));

  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(error.message, "/run/test/docker.sock")) << error.message;
  EXPECT_TRUE(contains(error.message, "scripts/dockerd.sh start")) << error.message;
}

TEST(DockerErrorTest, MapsTransportFailures) {
  struct Case {
    CURLcode curl;
    ErrorCode code;
  };
  const Case cases[] = {
      {CURLE_OPERATION_TIMEDOUT, ErrorCode::kTimeout}, {CURLE_GOT_NOTHING, ErrorCode::kUnavailable},
      {CURLE_RECV_ERROR, ErrorCode::kUnavailable},     {CURLE_SEND_ERROR, ErrorCode::kUnavailable},
      {CURLE_READ_ERROR, ErrorCode::kInvalidArgument}, {CURLE_OUT_OF_MEMORY, ErrorCode::kInternal},
  };
  for (const Case& c : cases) {
    Error error = error_from_curl(c.curl, "", "inspect container web-1", "/tmp/d.sock",
                                  std::chrono::milliseconds(250));
    EXPECT_EQ(error.code, c.code) << curl_easy_strerror(c.curl);
    EXPECT_TRUE(contains(error.message, "inspect container web-1: ")) << error.message;
  }
}

TEST(DockerErrorTest, TimeoutNamesLimit) {
  Error error = error_from_curl(CURLE_OPERATION_TIMEDOUT, "", "stop container web-1", "/tmp/d.sock",
                                std::chrono::milliseconds(250));

  EXPECT_TRUE(contains(error.message, "within 250 ms")) << error.message;
}

TEST(UrlEncodeTest, EscapesAllButUnreserved) {
  EXPECT_EQ(url_encode("web-1_a.b~"), "web-1_a.b~");
  EXPECT_EQ(url_encode("raictl/busybox:latest"), "raictl%2Fbusybox%3Alatest");
  EXPECT_EQ(url_encode(R"({"label":["a=b"]})"), "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
  EXPECT_EQ(url_encode("a b?&"), "a%20b%3F%26");
}

TEST(ApiVersionTest, ComparesNumerically) {
  EXPECT_LT(compare_api_versions("1.9", "1.41"), 0);
  EXPECT_GT(compare_api_versions("1.43", "1.41"), 0);
  EXPECT_EQ(compare_api_versions("1.41", "1.41"), 0);
  EXPECT_GT(compare_api_versions("2.0", "1.99"), 0);
}

}  // namespace
}  // namespace raictl
