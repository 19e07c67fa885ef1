#include "services/common/service_redis.h"

#include "gtest/gtest.h"
#include "lib/redis/connection_pool.h"

namespace omnigate {
namespace {

TEST(ServiceRedisTest, ASingleRedisGetsAPoolWithItsSettings) {
  auto target = redis::ParseRedisTarget("redis://127.0.0.1:6390/2");
  ASSERT_TRUE(target.ok());
  RedisClientSettings settings;
  settings.replica_wait = redis::ReplicaWait{1, absl::Milliseconds(300)};
  auto made = MakeServiceRedis(*target, settings);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->cluster, nullptr);
  auto* pool = dynamic_cast<redis::ConnectionPool*>(made->client.get());
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->endpoint().port, 6390);
  EXPECT_EQ(pool->endpoint().db, 2);
  EXPECT_EQ(pool->replica_wait().replicas, 1);
}

TEST(ServiceRedisTest, AClusterGetsAClusterClient) {
  auto target = redis::ParseRedisTarget("redis-cluster://127.0.0.1:7000,127.0.0.1:7001");
  ASSERT_TRUE(target.ok());
  auto made = MakeServiceRedis(*target, RedisClientSettings{});
  ASSERT_TRUE(made.ok()) << made.status();
  ASSERT_NE(made->cluster, nullptr);
  EXPECT_EQ(made->cluster, made->client.get());
}

TEST(ServiceRedisTest, AClusterTakesReplicaWaitToo) {
  auto target = redis::ParseRedisTarget("redis-cluster://127.0.0.1:7000");
  ASSERT_TRUE(target.ok());
  RedisClientSettings settings;
  settings.replica_wait = redis::ReplicaWait{1, absl::Seconds(1)};
  auto made = MakeServiceRedis(*target, settings);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_NE(made->cluster, nullptr);
}

}  // namespace
}  // namespace omnigate
