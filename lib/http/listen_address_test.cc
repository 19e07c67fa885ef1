#include "lib/http/listen_address.h"

#include "gtest/gtest.h"

namespace omnigate::http {
namespace {

TEST(ParseHostPortTest, AcceptsIpv4Ipv6AndBarePort) {
  auto v4 = ParseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);

  auto v6 = ParseHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);

  auto any = ParseHostPort(":9000");
  ASSERT_TRUE(any.ok()) << v6.status();
  EXPECT_EQ(any->host, "0.0.0.0");
  EXPECT_EQ(any->port, 9000);
}

TEST(ParseHostPortTest, RejectsMissingOrBadPorts) {
  EXPECT_FALSE(ParseHostPort("localhost").ok());
  EXPECT_FALSE(ParseHostPort("1.2.3.4:http").ok());
  EXPECT_FALSE(ParseHostPort("1.2.3.4:70000").ok());
  EXPECT_FALSE(ParseHostPort("[::1:80").ok());
}

}  // namespace
}  // namespace omnigate::http
