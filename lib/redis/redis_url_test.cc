#include "lib/redis/redis_url.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace omnigate::redis {
namespace {

TEST(ParseRedisUrlTest, ParsesEveryPart) {
  auto ep = ParseRedisUrl("redis://app:p%40ss@10.1.2.3:6380/2");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->host, "10.1.2.3");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->user, "app");
  EXPECT_EQ(ep->password, "p@ss");
  EXPECT_EQ(ep->db, 2);
  EXPECT_EQ(ep->ToSafeString(), "10.1.2.3:6380/2");  // no credentials
}

TEST(ParseRedisUrlTest, DefaultsAndVariants) {
  auto ep = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, 6379);
  EXPECT_EQ(ep->db, 0);
  EXPECT_TRUE(ep->user.empty());

  ep = ParseRedisUrl("redis://:onlypass@h:1/");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->user, "");
  EXPECT_EQ(ep->password, "onlypass");

  ep = ParseRedisUrl("redis://[::1]:7000");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 7000);
  EXPECT_EQ(ep->ToSafeString(), "[::1]:7000/0");
}

TEST(ParseRedisUrlTest, RejectsWhatItCannotUse) {
  EXPECT_FALSE(ParseRedisUrl("http://h:1").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://h:99999").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://h:abc").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://h:1/x").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://[::1").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://u:%zz@h").ok());
  EXPECT_THAT(std::string(ParseRedisUrl("redis://h:0").status().message()),
              ::testing::HasSubstr("port"));
}

}  // namespace
}  // namespace omnigate::redis
