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
// commands; broken connections are dropped and replaced by a fresh connect
// on the next borrow. Thread-safe.
class ConnectionPool {
 public:
  // A borrowed connection; goes back to the pool when destroyed (unless
  // broken).
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<RedisConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    RedisConnection* operator->() const { return conn_.get(); }
    RedisConnection& operator*() const { return *conn_; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<RedisConnection> conn_;
  };

  ConnectionPool(RedisEndpoint endpoint, absl::Duration connect_timeout, absl::Duration io_timeout,
                 size_t max_idle = 8);

  // An idle connection or a new one. UNAVAILABLE when Redis cannot be
  // reached, PERMISSION_DENIED on bad credentials.
  absl::StatusOr<Lease> Acquire();

  // Runs `fn` with a borrowed connection.
  absl::Status With(const std::function<absl::Status(RedisConnection&)>& fn);

  // One command on a borrowed connection (error replies come back as replies).
  absl::StatusOr<RedisReply> Run(const RedisCommand& command);

  // True when Redis answers PING (for readiness).
  bool Ping();

  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  void Release(std::unique_ptr<RedisConnection> conn);

  const RedisEndpoint endpoint_;
  const absl::Duration connect_timeout_;
  const absl::Duration io_timeout_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;  // guarded by mu_
};

}  // namespace omnigate::redis
