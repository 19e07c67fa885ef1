#include "lib/redis/redis_client.h"

#include "absl/strings/match.h"

namespace omnigate::redis {

absl::StatusOr<RedisReply> RedisClient::Eval(const RedisScript& script,
                                             const std::vector<std::string>& keys,
                                             const std::vector<std::string>& args) {
  RedisCommand command = script.EvalShaCommand(keys, args);
  auto reply = Run(command);
  if (!reply.ok() || !reply->is_error() || !absl::StartsWith(reply->str(), "NOSCRIPT")) {
    return reply;
  }
  command[0] = "EVAL";
  command[1] = script.source();
  return Run(command);
}

bool RedisClient::Ping() {
  auto pong = Run({"PING"});
  return pong.ok() && !pong->is_error();
}

}  // namespace omnigate::redis
