#include "lib/redis/connection_pool.h"

#include <utility>

namespace omnigate::redis {

ConnectionPool::ConnectionPool(RedisEndpoint endpoint, absl::Duration connect_timeout,
                               absl::Duration io_timeout, size_t max_idle)
    : endpoint_(std::move(endpoint)),
      connect_timeout_(connect_timeout),
      io_timeout_(io_timeout),
      max_idle_(max_idle) {}

absl::StatusOr<std::unique_ptr<RedisConnection>> ConnectionPool::Borrow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
  }
  return RedisConnection::Connect(endpoint_, connect_timeout_, io_timeout_);
}

void ConnectionPool::Return(std::unique_ptr<RedisConnection> conn) {
  if (conn == nullptr || conn->broken()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
}

absl::Status ConnectionPool::With(const std::function<absl::Status(RedisConnection&)>& fn) {
  auto conn = Borrow();
  if (!conn.ok()) return conn.status();
  absl::Status status = fn(**conn);
  Return(*std::move(conn));
  return status;
}

absl::StatusOr<RedisReply> ConnectionPool::Run(const RedisCommand& command) {
  RedisReply out;
  absl::Status status = With([&](RedisConnection& conn) {
    auto reply = conn.Run(command);
    if (!reply.ok()) return reply.status();
    out = *std::move(reply);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace omnigate::redis
