#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_reply.h"
#include "lib/redis/redis_script.h"

namespace omnigate::redis {

// The Redis operations the modules use, so they can run against a real
// server (ConnectionPool) or an in-memory fake in unit tests (FakeRedis).
// Error replies come back as replies (is_error()); the status is for I/O
// failures (UNAVAILABLE) and for not getting a connection at all.
// Implementations are thread-safe.
class RedisClient {
 public:
  virtual ~RedisClient() = default;

  virtual absl::StatusOr<RedisReply> Run(const RedisCommand& command) = 0;
  // Several commands in one round trip; one reply per command, in order.
  virtual absl::StatusOr<std::vector<RedisReply>> RunPipeline(
      const std::vector<RedisCommand>& commands) = 0;
  // The script by EVALSHA, falling back to EVAL on NOSCRIPT.
  virtual absl::StatusOr<RedisReply> Eval(const RedisScript& script,
                                          const std::vector<std::string>& keys,
                                          const std::vector<std::string>& args);
  // True when Redis answers PING (for readiness).
  virtual bool Ping();
};

}  // namespace omnigate::redis
