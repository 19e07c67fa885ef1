#pragma once

#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/redis/redis_reply.h"
#include "lib/redis/redis_url.h"

namespace omnigate::redis {

// One command: its arguments, binary-safe.
using RedisCommand = std::vector<std::string>;

// A synchronous hiredis connection (RAII: redisFree on destruction).
// Not thread-safe: use one per thread. After any I/O error the connection is
// broken for good (broken() turns true); make a new one.
class RedisConnection {
 public:
  // Connects, authenticates (AUTH [user] password) and selects the database.
  // UNAVAILABLE when Redis cannot be reached; PERMISSION_DENIED on bad
  // credentials.
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(const RedisEndpoint& endpoint,
                                                                  absl::Duration connect_timeout,
                                                                  absl::Duration io_timeout);

  // Sends one command and waits for its reply. An error reply is returned as
  // a reply (is_error()), not as a status; the status is for I/O failures.
  absl::StatusOr<RedisReply> Run(const RedisCommand& command);

  // Pipelining: Append() buffers, Flush() writes everything buffered,
  // ReadReply() reads replies in the order commands were appended.
  absl::Status Append(const RedisCommand& command);
  absl::Status Flush();
  absl::StatusOr<RedisReply> ReadReply();

  bool broken() const { return broken_; }

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

}  // namespace omnigate::redis
