#include "lib/redis/redis_script.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/redis/pipeline_writer.h"

namespace omnigate::redis {

RedisScript::RedisScript(absl::string_view source)
    : source_(source), sha_(RedisPipelineWriter::ScriptSha(source_)) {}

RedisCommand RedisScript::EvalShaCommand(const std::vector<std::string>& keys,
                                         const std::vector<std::string>& args) const {
  RedisCommand command;
  command.reserve(3 + keys.size() + args.size());
  command.push_back("EVALSHA");
  command.push_back(sha_);
  command.push_back(absl::StrCat(keys.size()));
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

absl::StatusOr<RedisReply> RedisScript::Run(Connection& conn, const std::vector<std::string>& keys,
                                            const std::vector<std::string>& args) const {
  RedisCommand command = EvalShaCommand(keys, args);
  auto reply = conn.Run(command);
  if (!reply.ok() || !reply->is_error() || !absl::StartsWith(reply->str(), "NOSCRIPT")) {
    return reply;
  }
  command[0] = "EVAL";
  command[1] = source_;
  return conn.Run(command);
}

}  // namespace omnigate::redis
