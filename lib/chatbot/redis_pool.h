#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/redis/redis_connection.h"
#include "lib/redis/redis_url.h"

namespace omnigate::chatbot {

// Idle hiredis connections shared by the gRPC handler threads. A caller
// borrows one for a call and gives it back; broken connections are dropped
// and replaced by a fresh connect on the next borrow. Thread-safe.
class RedisPool {
 public:
  // Gives the connection back to the pool when destroyed (unless broken).
  class Lease {
   public:
    Lease(RedisPool* pool, std::unique_ptr<redis::RedisConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    redis::RedisConnection* operator->() const { return conn_.get(); }
    redis::RedisConnection& operator*() const { return *conn_; }

   private:
    RedisPool* pool_;
    std::unique_ptr<redis::RedisConnection> conn_;
  };

  RedisPool(redis::RedisEndpoint endpoint, absl::Duration connect_timeout,
            absl::Duration io_timeout, size_t max_idle);

  // An idle connection or a new one. UNAVAILABLE when Redis is unreachable.
  absl::StatusOr<Lease> Acquire();

 private:
  void Release(std::unique_ptr<redis::RedisConnection> conn);

  const redis::RedisEndpoint endpoint_;
  const absl::Duration connect_timeout_;
  const absl::Duration io_timeout_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<redis::RedisConnection>> idle_;  // guarded by mu_
};

}  // namespace omnigate::chatbot
