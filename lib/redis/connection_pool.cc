#include "lib/redis/connection_pool.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace omnigate::redis {

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_));
}

ConnectionPool::ConnectionPool(RedisEndpoint endpoint, absl::Duration connect_timeout,
                               absl::Duration io_timeout, size_t max_idle, size_t max_open,
                               absl::Duration acquire_timeout)
    : endpoint_(std::move(endpoint)),
      connect_timeout_(connect_timeout),
      io_timeout_(io_timeout),
      max_idle_(max_idle),
      max_open_(max_open),
      acquire_timeout_(acquire_timeout) {}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto usable = [this] { return !idle_.empty() || max_open_ == 0 || open_ < max_open_; };
    if (!returned_.wait_for(lock, absl::ToChronoNanoseconds(acquire_timeout_), usable)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "redis ", endpoint_.ToSafeString(), ": all ", max_open_,
          " pooled connections stayed busy for ", absl::FormatDuration(acquire_timeout_)));
    }
    if (!idle_.empty()) {
      std::unique_ptr<RedisConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserved before connecting so concurrent borrowers respect the cap
  }
  // Connect outside the lock: a slow connect must not stall other borrowers.
  auto conn = RedisConnection::Connect(endpoint_, connect_timeout_, io_timeout_);
  if (!conn.ok()) {
    Forget();
    return conn.status();
  }
  return Lease(this, *std::move(conn));
}

void ConnectionPool::Forget() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
  }
  returned_.notify_one();
}

void ConnectionPool::Release(std::unique_ptr<RedisConnection> conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!conn->broken() && idle_.size() < max_idle_) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  returned_.notify_one();
  // A dropped connection closes here, outside the lock.
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

absl::StatusOr<std::vector<RedisReply>> ConnectionPool::RunPipeline(
    const std::vector<RedisCommand>& commands) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  RedisConnection& conn = **lease;
  for (const auto& command : commands) {
    if (auto status = conn.Append(command); !status.ok()) return status;
  }
  if (auto status = conn.Flush(); !status.ok()) return status;
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    auto reply = conn.ReadReply();
    if (!reply.ok()) return reply.status();
    replies.push_back(*std::move(reply));
  }
  return replies;
}

absl::StatusOr<RedisReply> ConnectionPool::Eval(const RedisScript& script,
                                                const std::vector<std::string>& keys,
                                                const std::vector<std::string>& args) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  return script.Run(**lease, keys, args);
}

}  // namespace omnigate::redis
