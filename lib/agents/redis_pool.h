#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/redis/connection_pool.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_script.h"
#include "lib/redis/redis_url.h"

namespace omnigate::agents {

// The agent router's Redis access over a redis::ConnectionPool (blocking
// handlers, one connection per concurrent caller): error replies become
// INTERNAL, unreachable Redis UNAVAILABLE; Lua scripts run by SHA and are
// loaded on NOSCRIPT. Thread-safe.
class RedisPool {
 public:
  RedisPool(redis::RedisEndpoint endpoint, absl::Duration connect_timeout,
            absl::Duration io_timeout, size_t max_idle = 16);

  // One command. UNAVAILABLE when Redis cannot be reached; INTERNAL when it
  // answers an error reply.
  absl::StatusOr<redis::RedisReply> Run(const redis::RedisCommand& command);
  // True when Redis answers PING (for readiness).
  bool Ping() { return pool_.Ping(); }
  // Several commands in one round trip; replies in order.
  absl::StatusOr<std::vector<redis::RedisReply>> RunPipeline(
      const std::vector<redis::RedisCommand>& commands);
  // The script by EVALSHA, loaded on NOSCRIPT (redis::RedisScript).
  absl::StatusOr<redis::RedisReply> Eval(const redis::RedisScript& script,
                                         const std::vector<std::string>& keys,
                                         const std::vector<std::string>& args);

 private:
  absl::StatusOr<redis::ConnectionPool::Lease> Acquire();

  redis::ConnectionPool pool_;
};

}  // namespace omnigate::agents
