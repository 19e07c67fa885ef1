#include "lib/agents/checked_redis.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace omnigate::agents {
namespace {

absl::Status ErrorReply(const redis::RedisReply& reply) {
  return absl::InternalError(absl::StrCat("redis: ", reply.str()));
}

}  // namespace

absl::StatusOr<redis::RedisReply> CheckedRedis::Run(const redis::RedisCommand& command) {
  auto reply = client_->Run(command);
  if (reply.ok() && reply->is_error()) return ErrorReply(*reply);
  return reply;
}

absl::StatusOr<std::vector<redis::RedisReply>> CheckedRedis::RunPipeline(
    const std::vector<redis::RedisCommand>& commands) {
  auto replies = client_->RunPipeline(commands);
  if (!replies.ok()) return replies.status();
  for (const auto& reply : *replies) {
    if (reply.is_error()) return ErrorReply(reply);
  }
  return replies;
}

absl::StatusOr<redis::RedisReply> CheckedRedis::Eval(const redis::RedisScript& script,
                                                     const std::vector<std::string>& keys,
                                                     const std::vector<std::string>& args) {
  auto reply = client_->Eval(script, keys, args);
  if (reply.ok() && reply->is_error()) return ErrorReply(*reply);
  return reply;
}

}  // namespace omnigate::agents
