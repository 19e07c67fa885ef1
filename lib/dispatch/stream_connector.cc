#include "lib/dispatch/stream_connector.h"

#include <utility>

#include "lib/redis/cluster_redirect.h"
#include "lib/redis/redis_connection.h"

namespace omnigate::dispatch {

StreamConnector EndpointStreamConnector(redis::RedisEndpoint endpoint,
                                        absl::Duration connect_timeout) {
  return [endpoint = std::move(endpoint), connect_timeout](const std::string& /*key*/,
                                                           absl::Duration io_timeout) {
    return redis::EndpointConnectionFactory(endpoint, connect_timeout, io_timeout);
  };
}

StreamConnector ClusterStreamConnector(redis::ClusterClient* cluster) {
  return [cluster](const std::string& key, absl::Duration io_timeout) {
    return cluster->FactoryForKey(key, io_timeout);
  };
}

bool IsNodeChangeReply(const redis::RedisReply& reply) {
  if (!reply.is_error()) return false;
  return redis::ParseClusterRedirect(reply.str(), "").has_value() ||
         redis::IsTransientClusterError(reply.str());
}

}  // namespace omnigate::dispatch
