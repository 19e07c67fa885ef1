#include "lib/redis/connection_pool.h"

#include <utility>

namespace omnigate::redis {

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_));
}

ConnectionPool::ConnectionPool(RedisEndpoint endpoint, absl::Duration connect_timeout,
                               absl::Duration io_timeout, size_t max_idle)
    : endpoint_(std::move(endpoint)),
      connect_timeout_(connect_timeout),
      io_timeout_(io_timeout),
      max_idle_(max_idle) {}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<RedisConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
  }
  // Connect outside the lock: a slow connect must not stall other borrowers.
  auto conn = RedisConnection::Connect(endpoint_, connect_timeout_, io_timeout_);
  if (!conn.ok()) return conn.status();
  return Lease(this, *std::move(conn));
}

void ConnectionPool::Release(std::unique_ptr<RedisConnection> conn) {
  if (conn->broken()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
}

absl::Status ConnectionPool::With(const std::function<absl::Status(RedisConnection&)>& fn) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  return fn(**lease);
}

absl::StatusOr<RedisReply> ConnectionPool::Run(const RedisCommand& command) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Run(command);
}

bool ConnectionPool::Ping() {
  auto pong = Run({"PING"});
  return pong.ok() && !pong->is_error();
}

}  // namespace omnigate::redis
