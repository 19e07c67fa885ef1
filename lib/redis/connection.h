#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/redis/redis_reply.h"

namespace omnigate::redis {

// One command: its arguments, binary-safe.
using RedisCommand = std::vector<std::string>;

// One dedicated connection to Redis, for a thread that pipelines or blocks
// (a pool would hand it back between calls). Implemented over hiredis
// (RedisConnection) and in memory (FakeRedis::Connect) so the code that owns
// one can be unit-tested. Not thread-safe: use one per thread. After any I/O
// error the connection is broken for good (broken() turns true); make a new
// one.
class Connection {
 public:
  virtual ~Connection() = default;

  // Sends one command and waits for its reply. An error reply is returned as
  // a reply (is_error()), not as a status; the status is for I/O failures.
  virtual absl::StatusOr<RedisReply> Run(const RedisCommand& command) = 0;

  // Pipelining: Append() buffers, Flush() writes everything buffered,
  // ReadReply() reads replies in the order commands were appended.
  virtual absl::Status Append(const RedisCommand& command) = 0;
  virtual absl::Status Flush() = 0;
  virtual absl::StatusOr<RedisReply> ReadReply() = 0;
  // The next reply if it has arrived already, nullopt if not: never blocks.
  // For commands whose replies are only needed later (fire-and-forget acks).
  virtual absl::StatusOr<std::optional<RedisReply>> PollReply() = 0;

  virtual bool broken() const = 0;
};

// Makes a new connection; called again after one broke. UNAVAILABLE while
// Redis cannot be reached. Must be callable from any thread.
using ConnectionFactory = std::function<absl::StatusOr<std::unique_ptr<Connection>>()>;

}  // namespace omnigate::redis
