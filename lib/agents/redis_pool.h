#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_url.h"

namespace omnigate::agents {

// A pool of synchronous Redis connections for blocking handlers (one per
// concurrent caller). Broken connections are dropped, so the next call
// reconnects. Runs Lua scripts by SHA and loads them on NOSCRIPT.
// Thread-safe.
class RedisPool {
 public:
  RedisPool(redis::RedisEndpoint endpoint, absl::Duration connect_timeout,
            absl::Duration io_timeout, size_t max_idle = 16);

  // One command. UNAVAILABLE when Redis cannot be reached; INTERNAL when it
  // answers an error reply.
  absl::StatusOr<redis::RedisReply> Run(const redis::RedisCommand& command);
  // Several commands in one round trip; replies in order.
  absl::StatusOr<std::vector<redis::RedisReply>> RunPipeline(
      const std::vector<redis::RedisCommand>& commands);
  // EVALSHA, falling back to EVAL when the script is not loaded yet.
  absl::StatusOr<redis::RedisReply> Eval(const std::string& script,
                                         const std::vector<std::string>& keys,
                                         const std::vector<std::string>& args);

 private:
  absl::StatusOr<std::unique_ptr<redis::RedisConnection>> Acquire();
  void Release(std::unique_ptr<redis::RedisConnection> conn);

  const redis::RedisEndpoint endpoint_;
  const absl::Duration connect_timeout_;
  const absl::Duration io_timeout_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<redis::RedisConnection>> idle_;
};

}  // namespace omnigate::agents
