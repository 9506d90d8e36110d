#include "runtime/log_demuxer.h"

#include <gtest/gtest.h>

#include <string>

namespace raictl {
namespace {

std::string frame(unsigned char stream, const std::string& payload) {
  std::string bytes = {static_cast<char>(stream), 0, 0, 0};
  uint32_t size = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    bytes.push_back(static_cast<char>((size >> shift) & 0xff));
  }
  return bytes + payload;
}

TEST(LogDemuxerTest, SplitsStdoutAndStderr) {
  LogDemuxer demuxer;
  std::string input = frame(1, "out one\n") + frame(2, "err one\n") + frame(1, "out two\n");

  ASSERT_TRUE(demuxer.feed(input).ok());

  EXPECT_TRUE(demuxer.finish().ok());
  EXPECT_EQ(demuxer.logs().stdout_text, "out one\nout two\n");
  EXPECT_EQ(demuxer.logs().stderr_text, "err one\n");
}

TEST(LogDemuxerTest, ReassemblesFramesFedByteByByte) {
  LogDemuxer demuxer;
  std::string input = frame(2, "partial error\n") + frame(1, std::string(300, 'x'));

  for (char byte : input) {
    ASSERT_TRUE(demuxer.feed(std::string_view(&byte, 1)).ok());
  }

  EXPECT_TRUE(demuxer.finish().ok());
  EXPECT_EQ(demuxer.logs().stderr_text, "partial error\n");
  EXPECT_EQ(demuxer.logs().stdout_text, std::string(300, 'x'));
}

TEST(LogDemuxerTest, ReadsSizesAboveOneByte) {
  LogDemuxer demuxer;
  std::string payload(70'000, 'y');  // needs the three high bytes of the size

  ASSERT_TRUE(demuxer.feed(frame(1, payload)).ok());

  EXPECT_EQ(demuxer.logs().stdout_text.size(), payload.size());
}

TEST(LogDemuxerTest, AcceptsEmptyInputAndEmptyFrames) {
  LogDemuxer demuxer;

  ASSERT_TRUE(demuxer.feed("").ok());
  ASSERT_TRUE(demuxer.feed(frame(1, "")).ok());

  EXPECT_TRUE(demuxer.finish().ok());
  EXPECT_EQ(demuxer.logs().stdout_text, "");
}

TEST(LogDemuxerTest, RejectsUnframedOutput) {
  LogDemuxer demuxer;

  Status status = demuxer.feed("hello from a tty\n");

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInternal);
  EXPECT_NE(status.error().message.find("invalid frame header"), std::string::npos)
      << status.error().message;
  EXPECT_FALSE(demuxer.feed(frame(1, "later\n")).ok());
}

TEST(LogDemuxerTest, ReportsTruncatedFrame) {
  LogDemuxer demuxer;
  std::string input = frame(1, "cut short\n");
  input.resize(input.size() - 3);

  ASSERT_TRUE(demuxer.feed(input).ok());

  Status status = demuxer.finish();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("ended inside a frame"), std::string::npos)
      << status.error().message;
}

}  // namespace
}  // namespace raictl
