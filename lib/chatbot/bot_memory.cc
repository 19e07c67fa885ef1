#include "lib/chatbot/bot_memory.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/queue/keys.h"

namespace omnigate::chatbot {
namespace {

// KEYS: seen marker, unanswered counter, outbound stream (one slot).
// ARGV: seen ttl, "incr" | "reset", counter ttl, stream max length, reply.
constexpr char kApplyScript[] = R"lua(
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return -1
end
local n = 0
if ARGV[2] == 'incr' then
  n = redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
else
  redis.call('DEL', KEYS[2])
end
if ARGV[5] ~= '' then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'event', ARGV[5])
end
return n
)lua";

absl::Status RedisError(absl::string_view during, absl::string_view message) {
  return absl::UnavailableError(absl::StrCat("redis ", during, ": ", message));
}

}  // namespace

std::string SeenKey(uint32_t partition, absl::string_view event_id) {
  return absl::StrCat("omnigate:bot:{", partition, "}:seen:", event_id);
}

std::string UnansweredKey(uint32_t partition, absl::string_view conversation_key) {
  return absl::StrCat("omnigate:bot:{", partition, "}:unanswered:", conversation_key);
}

BotMemory::BotMemory(redis::ConnectionPool* pool, BotMemoryOptions options)
    : pool_(pool), options_(options), apply_script_(kApplyScript) {}

absl::StatusOr<BotState> BotMemory::Read(uint32_t partition, absl::string_view event_id,
                                         absl::string_view conversation_key) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto reply = (*conn)->Run(
      {"MGET", SeenKey(partition, event_id), UnansweredKey(partition, conversation_key)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return RedisError("MGET", reply->str());
  if (reply->size() != 2) return RedisError("MGET", "unexpected reply");
  BotState state;
  state.seen = reply->element(0)->type != REDIS_REPLY_NIL;
  const absl::string_view count = redis::ElementStr(reply->element(1));
  if (!count.empty() && !absl::SimpleAtoi(count, &state.unanswered))
    return RedisError("MGET", "unanswered counter is not a number");
  return state;
}

absl::StatusOr<std::optional<int64_t>> BotMemory::Apply(const BotEffect& effect) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto reply = apply_script_.Run(
      **conn,
      {SeenKey(effect.partition, effect.event_id),
       UnansweredKey(effect.partition, effect.conversation_key),
       queue::OutboundStreamKey(effect.partition)},
      {absl::StrCat(options_.seen_ttl_seconds), effect.count_unanswered ? "incr" : "reset",
       absl::StrCat(options_.unanswered_ttl_seconds), absl::StrCat(options_.outbound_max_len),
       effect.reply});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return RedisError("apply script", reply->str());
  if (!reply->is_integer()) return RedisError("apply script", "unexpected reply");
  if (reply->integer() < 0) return std::optional<int64_t>();
  return std::optional<int64_t>(reply->integer());
}

}  // namespace omnigate::chatbot
