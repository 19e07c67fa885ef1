#include "lib/chatbot/redis_pool.h"

namespace omnigate::chatbot {

RedisPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_));
}

RedisPool::RedisPool(redis::RedisEndpoint endpoint, absl::Duration connect_timeout,
                     absl::Duration io_timeout, size_t max_idle)
    : endpoint_(std::move(endpoint)),
      connect_timeout_(connect_timeout),
      io_timeout_(io_timeout),
      max_idle_(max_idle) {}

absl::StatusOr<RedisPool::Lease> RedisPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<redis::RedisConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
  }
  // Connect outside the lock: a slow connect must not stall other borrowers.
  auto conn = redis::RedisConnection::Connect(endpoint_, connect_timeout_, io_timeout_);
  if (!conn.ok()) return conn.status();
  return Lease(this, *std::move(conn));
}

void RedisPool::Release(std::unique_ptr<redis::RedisConnection> conn) {
  if (conn->broken()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
}

}  // namespace omnigate::chatbot
