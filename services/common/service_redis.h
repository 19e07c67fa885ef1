#pragma once

#include <cstddef>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/config/config.h"
#include "lib/redis/cluster_client.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_url.h"
#include "lib/redis/replica_wait.h"

namespace omnigate {

// The connection pool behind one of a service's Redis clients (per node on
// a Redis Cluster).
struct RedisClientSettings {
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration io_timeout = absl::Seconds(2);
  size_t max_idle = 8;
  size_t max_open = 0;  // 0: unbounded
  absl::Duration acquire_timeout = absl::Milliseconds(500);
  redis::ReplicaWait replica_wait;
  // Cluster only: how long one call rides a failover before UNAVAILABLE
  // (ClusterClientOptions::retry_budget). Short for callers that must not
  // stall on one dead node, such as a lease loop renewing many partitions.
  absl::Duration cluster_retry_budget = absl::Seconds(5);
};

// A service's Redis client, made from its URL.
struct ServiceRedis {
  std::unique_ptr<redis::RedisClient> client;
  // `client` when the URL names a cluster (for per-key connection
  // factories), else null.
  redis::ClusterClient* cluster = nullptr;
};

// MakeRedisClient with these settings: for redis:// a ConnectionPool exactly
// as every service made its pools before (replica_wait included); for
// redis-cluster:// a ClusterClient with these pool settings per node.
absl::StatusOr<ServiceRedis> MakeServiceRedis(const redis::RedisTarget& target,
                                              const RedisClientSettings& settings);

// Replicated acknowledgement as configured (redis_wait_replicas,
// redis_wait_timeout_ms).
redis::ReplicaWait ReplicaWaitOf(const config::Config& cfg);

}  // namespace omnigate
