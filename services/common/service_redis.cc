#include "services/common/service_redis.h"

#include <utility>

#include "lib/redis/cluster_client_factory.h"

namespace omnigate {

absl::StatusOr<ServiceRedis> MakeServiceRedis(const redis::RedisTarget& target,
                                              const RedisClientSettings& settings) {
  if (target.endpoints.empty()) return absl::InvalidArgumentError("redis URL: no endpoint");
  redis::ClusterClientOptions options;
  options.pool.connect_timeout = settings.connect_timeout;
  options.pool.io_timeout = settings.io_timeout;
  options.pool.max_idle = settings.max_idle;
  options.pool.max_open = settings.max_open;
  options.pool.acquire_timeout = settings.acquire_timeout;
  options.replica_wait = settings.replica_wait;
  options.retry_budget = settings.cluster_retry_budget;
  ServiceRedis out;
  out.client = redis::MakeRedisClient(target, options);
  if (!target.cluster) return out;
  out.cluster = dynamic_cast<redis::ClusterClient*>(out.client.get());
  if (out.cluster == nullptr) return absl::InternalError("redis-cluster:// made no cluster client");
  return out;
}

redis::ReplicaWait ReplicaWaitOf(const config::Config& cfg) {
  return redis::ReplicaWait{cfg.redis_wait_replicas, absl::Milliseconds(cfg.redis_wait_timeout_ms)};
}

}  // namespace omnigate
