#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_url.h"

namespace omnigate::redis {

// Blocking connections shared by request handlers (gRPC sync services,
// operator RPCs). A caller borrows one connection for a short sequence of
// commands; broken connections are dropped and replaced on the next borrow.
// Thread-safe.
class ConnectionPool {
 public:
  ConnectionPool(RedisEndpoint endpoint, absl::Duration connect_timeout, absl::Duration io_timeout,
                 size_t max_idle = 8);

  // Runs `fn` with a connection. UNAVAILABLE when Redis cannot be reached.
  absl::Status With(const std::function<absl::Status(RedisConnection&)>& fn);

  // One command on a pooled connection.
  absl::StatusOr<RedisReply> Run(const RedisCommand& command);

  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  absl::StatusOr<std::unique_ptr<RedisConnection>> Borrow();
  void Return(std::unique_ptr<RedisConnection> conn);

  const RedisEndpoint endpoint_;
  const absl::Duration connect_timeout_;
  const absl::Duration io_timeout_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
};

}  // namespace omnigate::redis
