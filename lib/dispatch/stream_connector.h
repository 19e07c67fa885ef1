#pragma once

#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/redis/cluster_client.h"
#include "lib/redis/connection.h"
#include "lib/redis/redis_reply.h"
#include "lib/redis/redis_url.h"

namespace omnigate::dispatch {

// Makes the factory of connections a thread that blocks on its own
// connection (a partition reader, a worker's acks) uses for `key`, a
// partition stream: to the one Redis, or to the cluster node that serves the
// key at each (re)connect, so a thread that drops its connection after a
// failover or a MOVED reconnects to the new owner. `io_timeout` must outlast
// the longest blocking read on the connection.
using StreamConnector =
    std::function<redis::ConnectionFactory(const std::string& key, absl::Duration io_timeout)>;

// Connections to one Redis.
StreamConnector EndpointStreamConnector(redis::RedisEndpoint endpoint,
                                        absl::Duration connect_timeout = absl::Seconds(1));

// Connections to the node serving the key (ClusterClient::FactoryForKey),
// with `io_timeout`. `cluster` outlives the factories.
StreamConnector ClusterStreamConnector(redis::ClusterClient* cluster);

// True for an error reply saying the key is served elsewhere now or the
// cluster is changing (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, ...): a dedicated
// connection must be dropped and made again through its factory, which asks
// the cluster where the key lives now.
bool IsNodeChangeReply(const redis::RedisReply& reply);

}  // namespace omnigate::dispatch
