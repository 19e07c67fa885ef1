#include "lib/agents/redis_pool.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/redis/pipeline_writer.h"

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
    // A NOSCRIPT error is left to Eval; other error replies are bugs here.
    if (reply.is_error() && !absl::StartsWith(reply.str(), "NOSCRIPT")) {
      return absl::InternalError(absl::StrCat("redis: ", reply.str()));
    }
  }
  return replies;
}

absl::StatusOr<redis::RedisReply> RedisPool::Eval(const std::string& script,
                                                  const std::vector<std::string>& keys,
                                                  const std::vector<std::string>& args) {
  redis::RedisCommand command;
  command.reserve(3 + keys.size() + args.size());
  command.push_back("EVALSHA");
  command.push_back(redis::RedisPipelineWriter::ScriptSha(script));
  command.push_back(absl::StrCat(keys.size()));
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  auto reply = Run(command);
  if (!reply.ok() || !reply->is_error()) return reply;
  // NOSCRIPT: first use on this server (or after a restart / SCRIPT FLUSH).
  command[0] = "EVAL";
  command[1] = script;
  return Run(command);
}

}  // namespace omnigate::agents
