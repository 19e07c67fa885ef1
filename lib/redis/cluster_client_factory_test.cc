#include "lib/redis/cluster_client_factory.h"

#include "gtest/gtest.h"
#include "lib/redis/cluster_client.h"
#include "lib/redis/connection_pool.h"

namespace omnigate::redis {
namespace {

// Neither client connects before its first call, so no server is needed.
TEST(MakeRedisClientTest, PicksTheClientByScheme) {
  auto single = ParseRedisTarget("redis://:pw@127.0.0.1:6390/3");
  ASSERT_TRUE(single.ok());
  std::unique_ptr<RedisClient> client = MakeRedisClient(*single);
  auto* pool = dynamic_cast<ConnectionPool*>(client.get());
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->endpoint().port, 6390);
  EXPECT_EQ(pool->endpoint().db, 3);
  EXPECT_EQ(pool->endpoint().password, "pw");

  auto cluster = ParseRedisTarget("redis-cluster://127.0.0.1:7000,127.0.0.1:7001");
  ASSERT_TRUE(cluster.ok());
  client = MakeRedisClient(*cluster);
  EXPECT_NE(dynamic_cast<ClusterClient*>(client.get()), nullptr);
}

}  // namespace
}  // namespace omnigate::redis
