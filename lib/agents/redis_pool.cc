#include "lib/agents/redis_pool.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace omnigate::agents {

RedisPool::RedisPool(redis::RedisEndpoint endpoint, absl::Duration connect_timeout,
                     absl::Duration io_timeout, size_t max_idle)
    : pool_(std::move(endpoint), connect_timeout, io_timeout, max_idle) {}

absl::StatusOr<redis::ConnectionPool::Lease> RedisPool::Acquire() {
  auto lease = pool_.Acquire();
  if (!lease.ok() && !absl::IsPermissionDenied(lease.status())) {
    return absl::UnavailableError(lease.status().message());
  }
  return lease;
}

absl::StatusOr<redis::RedisReply> RedisPool::Run(const redis::RedisCommand& command) {
  auto replies = RunPipeline({command});
  if (!replies.ok()) return replies.status();
  return std::move((*replies)[0]);
}

absl::StatusOr<std::vector<redis::RedisReply>> RedisPool::RunPipeline(
    const std::vector<redis::RedisCommand>& commands) {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  std::vector<redis::RedisReply> replies;
  absl::Status status;
  for (const auto& command : commands) {
    status = (*conn)->Append(command);
    if (!status.ok()) break;
  }
  if (status.ok()) status = (*conn)->Flush();
  for (size_t i = 0; status.ok() && i < commands.size(); ++i) {
    auto reply = (*conn)->ReadReply();
    if (!reply.ok()) {
      status = reply.status();
      break;
    }
    replies.push_back(*std::move(reply));
  }
  if (!status.ok()) return absl::UnavailableError(status.message());
  for (const auto& reply : replies) {
    if (reply.is_error()) {
      return absl::InternalError(absl::StrCat("redis: ", reply.str()));
    }
  }
  return replies;
}

absl::StatusOr<redis::RedisReply> RedisPool::Eval(const redis::RedisScript& script,
                                                  const std::vector<std::string>& keys,
                                                  const std::vector<std::string>& args) {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  auto reply = script.Run(**conn, keys, args);
  if (!reply.ok()) return absl::UnavailableError(reply.status().message());
  if (reply->is_error()) return absl::InternalError(absl::StrCat("redis: ", reply->str()));
  return reply;
}

}  // namespace omnigate::agents
