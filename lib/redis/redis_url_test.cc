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

TEST(ParseRedisTargetTest, SingleRedisAsBefore) {
  auto target = ParseRedisTarget("redis://app:p%40ss@10.1.2.3:6380/2");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_FALSE(target->cluster);
  ASSERT_EQ(target->endpoints.size(), 1u);
  EXPECT_EQ(target->endpoints[0].host, "10.1.2.3");
  EXPECT_EQ(target->endpoints[0].password, "p@ss");
  EXPECT_EQ(target->endpoints[0].db, 2);
  EXPECT_EQ(target->ToSafeString(), "redis://10.1.2.3:6380/2");
}

TEST(ParseRedisTargetTest, ClusterSeedsShareCredentials) {
  auto target =
      ParseRedisTarget("redis-cluster://app:s%2Fcr%2Ct@10.0.0.1:7000,10.0.0.2:7001,[::1]");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_TRUE(target->cluster);
  ASSERT_EQ(target->endpoints.size(), 3u);
  EXPECT_EQ(target->endpoints[0].host, "10.0.0.1");
  EXPECT_EQ(target->endpoints[0].port, 7000);
  EXPECT_EQ(target->endpoints[1].host, "10.0.0.2");
  EXPECT_EQ(target->endpoints[1].port, 7001);
  EXPECT_EQ(target->endpoints[2].host, "::1");
  EXPECT_EQ(target->endpoints[2].port, 6379);
  for (const RedisEndpoint& ep : target->endpoints) {
    EXPECT_EQ(ep.user, "app");
    EXPECT_EQ(ep.password, "s/cr,t");
    EXPECT_EQ(ep.db, 0);
  }
  // No credentials in what gets logged.
  EXPECT_EQ(target->ToSafeString(), "redis-cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:6379");
}

TEST(ParseRedisTargetTest, ClusterPasswordOnlyAndOneSeed) {
  auto target = ParseRedisTarget("redis-cluster://:pw@127.0.0.1:12000");
  ASSERT_TRUE(target.ok()) << target.status();
  ASSERT_EQ(target->endpoints.size(), 1u);
  EXPECT_EQ(target->endpoints[0].user, "");
  EXPECT_EQ(target->endpoints[0].password, "pw");
  EXPECT_EQ(target->endpoints[0].port, 12000);
}

TEST(ParseRedisTargetTest, RejectsWhatItCannotUse) {
  auto with_db = ParseRedisTarget("redis-cluster://h:1,h:2/3");
  EXPECT_TRUE(absl::IsInvalidArgument(with_db.status()));
  EXPECT_THAT(std::string(with_db.status().message()), ::testing::HasSubstr("database 0"));
  EXPECT_FALSE(ParseRedisTarget("redis-cluster://").ok());
  EXPECT_FALSE(ParseRedisTarget("redis-cluster://h:1,,h:2").ok());
  EXPECT_FALSE(ParseRedisTarget("redis-cluster://h:1,").ok());
  EXPECT_FALSE(ParseRedisTarget("redis-cluster://h:1,h:99999").ok());
  EXPECT_FALSE(ParseRedisTarget("redis-cluster://[::1:7000").ok());
  EXPECT_FALSE(ParseRedisTarget("redis-cluster://u:%zz@h:1").ok());
  EXPECT_FALSE(ParseRedisTarget("redis://h:1/x").ok());
  auto scheme = ParseRedisTarget("rediss://h:1");
  EXPECT_TRUE(absl::IsInvalidArgument(scheme.status()));
  EXPECT_THAT(std::string(scheme.status().message()), ::testing::HasSubstr("redis-cluster://"));
}

}  // namespace
}  // namespace omnigate::redis
