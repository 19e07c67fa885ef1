#pragma once

#include <hiredis/hiredis.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/redis/connection.h"
#include "lib/redis/redis_reply.h"
#include "lib/redis/redis_url.h"

namespace omnigate::redis {

// A synchronous hiredis connection (RAII: redisFree on destruction).
// Not thread-safe: use one per thread. After any I/O error the connection is
// broken for good (broken() turns true); make a new one.
class RedisConnection final : public Connection {
 public:
  // Connects, authenticates (AUTH [user] password) and selects the database.
  // UNAVAILABLE when Redis cannot be reached; PERMISSION_DENIED on bad
  // credentials.
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(const RedisEndpoint& endpoint,
                                                                  absl::Duration connect_timeout,
                                                                  absl::Duration io_timeout);

  // Sends one command and waits for its reply. An error reply is returned as
  // a reply (is_error()), not as a status; the status is for I/O failures.
  absl::StatusOr<RedisReply> Run(const RedisCommand& command) override;

  // Pipelining: Append() buffers, Flush() writes everything buffered,
  // ReadReply() reads replies in the order commands were appended.
  absl::Status Append(const RedisCommand& command) override;
  absl::Status Flush() override;
  absl::StatusOr<RedisReply> ReadReply() override;
  // The next reply if it has arrived already, nullopt if not: never blocks.
  // For commands whose replies are only needed later (fire-and-forget acks).
  absl::StatusOr<std::optional<RedisReply>> PollReply() override;
  // The next reply, waiting up to `wait` for it to arrive (pub/sub readers:
  // blocks instead of polling, and still comes back to check for a stop).
  absl::StatusOr<std::optional<RedisReply>> WaitReply(absl::Duration wait);

  bool broken() const override { return broken_; }

 private:
  struct Free {
    void operator()(redisContext* c) const { redisFree(c); }
  };
  explicit RedisConnection(redisContext* ctx) : ctx_(ctx) {}
  absl::Status IoError(absl::string_view during);

  std::unique_ptr<redisContext, Free> ctx_;
  bool broken_ = false;
  std::vector<const char*> argv_;  // scratch for Append
  std::vector<size_t> argvlen_;
};

// A factory of hiredis connections to `endpoint`, with these timeouts.
ConnectionFactory EndpointConnectionFactory(RedisEndpoint endpoint, absl::Duration connect_timeout,
                                            absl::Duration io_timeout);

}  // namespace omnigate::redis
