#include "tools/loadgen/loopback.h"

#include "gtest/gtest.h"

namespace omnigate::loadgen {
namespace {

TEST(LoopbackTest, AcceptsLoopbackOnly) {
  EXPECT_TRUE(ParseLoopbackTarget("127.0.0.1:8080").ok());
  EXPECT_TRUE(ParseLoopbackTarget("127.3.2.1:1").ok());
  EXPECT_TRUE(ParseLoopbackTarget("[::1]:7000").ok());
  auto local = ParseLoopbackTarget("localhost:9");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->host, "127.0.0.1");
  EXPECT_EQ(local->port, 9);
  EXPECT_FALSE(ParseLoopbackTarget("10.0.0.1:80").ok());
  EXPECT_FALSE(ParseLoopbackTarget("0.0.0.0:80").ok());
  EXPECT_FALSE(ParseLoopbackTarget("example.com:80").ok());
  EXPECT_FALSE(ParseLoopbackTarget("[2001:db8::1]:80").ok());
  EXPECT_FALSE(ParseLoopbackTarget("127.0.0.1").ok());
  EXPECT_FALSE(ParseLoopbackTarget("127.0.0.1:0").ok());
  EXPECT_FALSE(ParseLoopbackTarget("127.0.0.1:99999").ok());
}

}  // namespace
}  // namespace omnigate::loadgen
