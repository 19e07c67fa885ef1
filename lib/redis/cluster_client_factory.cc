#include "lib/redis/cluster_client_factory.h"

#include "lib/redis/connection_pool.h"

namespace omnigate::redis {

std::unique_ptr<RedisClient> MakeRedisClient(const RedisTarget& target,
                                             const ClusterClientOptions& options) {
  if (target.cluster) return std::make_unique<ClusterClient>(target.endpoints, options);
  const RedisEndpoint endpoint = target.endpoints.empty() ? RedisEndpoint{} : target.endpoints[0];
  return std::make_unique<ConnectionPool>(
      endpoint, options.pool.connect_timeout, options.pool.io_timeout, options.pool.max_idle,
      options.pool.max_open, options.pool.acquire_timeout, options.replica_wait);
}

}  // namespace omnigate::redis
