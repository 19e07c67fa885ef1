#include "lib/redis/connection_pool.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace omnigate::redis {
namespace {

bool IsNoScript(const RedisReply& reply) {
  return reply.is_error() && absl::StartsWith(reply.str(), "NOSCRIPT");
}

// Sends `command` and WAIT as one pipeline; the command's reply, or
// UNAVAILABLE when the replicas did not confirm. An error reply skips the
// check (nothing to acknowledge) but the WAIT reply is still read, to keep
// the connection in step.
absl::StatusOr<RedisReply> RunAndWait(Connection& conn, const RedisCommand& command,
                                      const ReplicaWait& wait) {
  if (auto s = conn.Append(command); !s.ok()) return s;
  if (auto s = AppendWait(conn, wait); !s.ok()) return s;
  if (auto s = conn.Flush(); !s.ok()) return s;
  auto reply = conn.ReadReply();
  if (!reply.ok()) return reply.status();
  auto waited = ReadWaitReply(conn);
  if (!waited.ok()) return waited.status();
  if (reply->is_error()) return reply;
  if (auto s = CheckWaitReply(*waited, wait); !s.ok()) return s;
  return reply;
}

}  // namespace

bool IsReadOnlyCommand(const RedisCommand& command) {
  // Next to a network round trip a linear scan costs nothing.
  static constexpr absl::string_view kReads[] = {
      "PING",     "ECHO",      "TIME",       "INFO",          "DBSIZE",
      "GET",      "MGET",      "STRLEN",     "GETRANGE",      "EXISTS",
      "TTL",      "PTTL",      "TYPE",       "SCAN",          "HGET",
      "HMGET",    "HGETALL",   "HEXISTS",    "HLEN",          "HKEYS",
      "HVALS",    "HSCAN",     "LRANGE",     "LLEN",          "LINDEX",
      "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD",         "SSCAN",
      "ZRANGE",   "ZREVRANGE", "ZSCORE",     "ZRANGEBYSCORE", "ZREVRANGEBYSCORE",
      "ZMSCORE",  "ZCARD",     "ZCOUNT",     "ZRANK",         "ZREVRANK",
      "ZSCAN",    "XRANGE",    "XREVRANGE",  "XLEN",          "XINFO",
      "XPENDING", "XREAD",     "XREADGROUP", "EVAL_RO",       "EVALSHA_RO",
      "FCALL_RO", "PUBSUB",
  };
  if (command.empty()) return true;
  return std::any_of(std::begin(kReads), std::end(kReads),
                     [&](absl::string_view r) { return absl::EqualsIgnoreCase(r, command[0]); });
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_));
}

ConnectionPool::ConnectionPool(RedisEndpoint endpoint, absl::Duration connect_timeout,
                               absl::Duration io_timeout, size_t max_idle, size_t max_open,
                               absl::Duration acquire_timeout, ReplicaWait replica_wait)
    : endpoint_(std::move(endpoint)),
      connect_timeout_(connect_timeout),
      io_timeout_(IoTimeoutFor(io_timeout, replica_wait)),
      max_idle_(max_idle),
      max_open_(max_open),
      acquire_timeout_(acquire_timeout),
      replica_wait_(replica_wait) {}

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
  if (auto status = fn(**lease); !status.ok()) return status;
  return ConfirmWrites(**lease);
}

absl::Status ConnectionPool::ConfirmWrites(Connection& conn) const {
  if (!replica_wait_.enabled()) return absl::OkStatus();
  if (auto s = AppendWait(conn, replica_wait_); !s.ok()) return s;
  if (auto s = conn.Flush(); !s.ok()) return s;
  auto waited = ReadWaitReply(conn);
  if (!waited.ok()) return waited.status();
  return CheckWaitReply(*waited, replica_wait_);
}

absl::StatusOr<RedisReply> ConnectionPool::Run(const RedisCommand& command) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  if (!replica_wait_.enabled() || IsReadOnlyCommand(command)) return (*lease)->Run(command);
  return RunAndWait(**lease, command, replica_wait_);
}

absl::StatusOr<std::vector<RedisReply>> ConnectionPool::RunPipeline(
    const std::vector<RedisCommand>& commands) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  RedisConnection& conn = **lease;
  // One WAIT after the whole pipeline, in the same round trip.
  const bool wait = replica_wait_.enabled() &&
                    std::any_of(commands.begin(), commands.end(),
                                [](const RedisCommand& c) { return !IsReadOnlyCommand(c); });
  for (const auto& command : commands) {
    if (auto status = conn.Append(command); !status.ok()) return status;
  }
  if (wait) {
    if (auto status = AppendWait(conn, replica_wait_); !status.ok()) return status;
  }
  if (auto status = conn.Flush(); !status.ok()) return status;
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    auto reply = conn.ReadReply();
    if (!reply.ok()) return reply.status();
    replies.push_back(*std::move(reply));
  }
  if (wait) {
    auto waited = ReadWaitReply(conn);
    if (!waited.ok()) return waited.status();
    if (auto status = CheckWaitReply(*waited, replica_wait_); !status.ok()) return status;
  }
  return replies;
}

absl::StatusOr<RedisReply> ConnectionPool::Eval(const RedisScript& script,
                                                const std::vector<std::string>& keys,
                                                const std::vector<std::string>& args) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  if (!replica_wait_.enabled()) return script.Run(**lease, keys, args);
  // A script may write: EVALSHA and WAIT in one round trip (EVAL and WAIT
  // again when the server lost the script).
  RedisCommand command = script.EvalShaCommand(keys, args);
  auto reply = RunAndWait(**lease, command, replica_wait_);
  if (!reply.ok() || !IsNoScript(*reply)) return reply;
  command[0] = "EVAL";
  command[1] = script.source();
  return RunAndWait(**lease, command, replica_wait_);
}

}  // namespace omnigate::redis
