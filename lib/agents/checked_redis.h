#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/redis/redis_client.h"

namespace omnigate::agents {

// The agent router's view of a redis::RedisClient: an error reply is a
// failure (INTERNAL), not a value; unreachable Redis stays UNAVAILABLE.
// Thread-safe as the client is.
class CheckedRedis {
 public:
  explicit CheckedRedis(redis::RedisClient* client) : client_(client) {}

  absl::StatusOr<redis::RedisReply> Run(const redis::RedisCommand& command);
  // INTERNAL when any of the replies is an error.
  absl::StatusOr<std::vector<redis::RedisReply>> RunPipeline(
      const std::vector<redis::RedisCommand>& commands);
  absl::StatusOr<redis::RedisReply> Eval(const redis::RedisScript& script,
                                         const std::vector<std::string>& keys,
                                         const std::vector<std::string>& args);

 private:
  redis::RedisClient* const client_;
};

}  // namespace omnigate::agents
