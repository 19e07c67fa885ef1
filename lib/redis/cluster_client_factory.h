#pragma once

#include <memory>

#include "lib/redis/cluster_client.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_url.h"

namespace omnigate::redis {

// The client for `target`: a ConnectionPool for redis://, a ClusterClient for
// redis-cluster://, so a service switches by configuration alone. Neither
// connects before its first call. For a single Redis only `options.pool`
// and `options.replica_wait` apply.
std::unique_ptr<RedisClient> MakeRedisClient(const RedisTarget& target,
                                             const ClusterClientOptions& options = {});

}  // namespace omnigate::redis
