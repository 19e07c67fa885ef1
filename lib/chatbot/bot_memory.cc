#include "lib/chatbot/bot_memory.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/queue/history_entry.h"
#include "lib/queue/keys.h"

namespace omnigate::chatbot {
namespace {

// KEYS: 1 seen marker, 2 unanswered counter, 3 outbound stream,
//       4 conversation state, 5 conversation history, 6 bot idle set
//       (one slot: the partition's hash tag).
// ARGV: 1 seen ttl, 2 "incr" | "reset", 3 counter ttl, 4 stream max length,
//       5 reply, 6 history cap, 7 history retention ms, 8 now ms,
//       9 language, 10 priority, 11 idle "track" | "forget" | "",
//       12 csat_until_ms or "", 13 rating or "", 14 rating event,
//       15 reopen at ms or "", 16 conversation key.
// Returns {-1} when the event was applied before, else {counter, reopened}.
// A reopen only happens while the CSAT question is still open (the same
// cycle rule as ingest's enqueue script).
constexpr char kApplyScript[] = R"lua(
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return {-1, 0}
end
local n = 0
if ARGV[2] == 'incr' then
  n = redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
else
  redis.call('DEL', KEYS[2])
end
local function history(event) history_append(KEYS[5], event, ARGV[6], ARGV[7]) end
local reopened = 0
if ARGV[15] ~= '' and redis.call('HEXISTS', KEYS[4], 'csat_until_ms') == 1 then
  redis.call('HDEL', KEYS[4], 'first_reply_ms', 'handoff_ms', 'assigned_ms',
             'first_agent_reply_ms', 'resolved_ms', 'resolved_by', 'resolved_agent',
             'csat_until_ms', 'csat_score')
  redis.call('HSET', KEYS[4], 'opened_ms', ARGV[15])
  redis.call('HINCRBY', KEYS[4], 'reopened', 1)
  if redis.call('HGET', KEYS[4], 'mode') == 'closed' then
    redis.call('HSET', KEYS[4], 'mode', 'bot', 'mode_changed_at_ms', ARGV[8])
  end
  reopened = 1
end
if ARGV[13] ~= '' then
  redis.call('HSET', KEYS[4], 'csat_score', ARGV[13])
  redis.call('HDEL', KEYS[4], 'csat_until_ms')
  history(ARGV[14])
end
if ARGV[12] ~= '' then redis.call('HSET', KEYS[4], 'csat_until_ms', ARGV[12]) end
if ARGV[9] ~= '' then redis.call('HSET', KEYS[4], 'language', ARGV[9]) end
if ARGV[10] ~= '' then redis.call('HSET', KEYS[4], 'priority', ARGV[10]) end
if ARGV[11] == 'track' then
  redis.call('ZADD', KEYS[6], ARGV[8], ARGV[16])
elseif ARGV[11] == 'forget' then
  redis.call('ZREM', KEYS[6], ARGV[16])
end
if ARGV[5] ~= '' then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'event', ARGV[5])
  history(ARGV[5])
end
return {n, reopened}
)lua";

// KEYS: 1 bot idle set. ARGV: 1 idle before ms, 2 limit, 3 state key prefix
// of the partition. Takes each due member out; returns those still in bot
// mode, opened and not resolved (the others no longer need the bot to close
// them). The state keys share the set's hash tag.
constexpr char kClaimScript[] = R"lua(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, conv in ipairs(due) do
  redis.call('ZREM', KEYS[1], conv)
  local s = redis.call('HMGET', ARGV[3] .. conv, 'mode', 'resolved_ms', 'opened_ms')
  if (not s[1] or s[1] == 'bot') and not s[2] and s[3] then out[#out + 1] = conv end
end
return out
)lua";

absl::Status RedisError(absl::string_view during, absl::string_view message) {
  return absl::UnavailableError(absl::StrCat("redis ", during, ": ", message));
}

int64_t ToInt(absl::string_view text) {
  int64_t v = 0;
  return absl::SimpleAtoi(text, &v) ? v : 0;
}

}  // namespace

std::string SeenKey(uint32_t partition, absl::string_view event_id) {
  return absl::StrCat("omnigate:bot:{", partition, "}:seen:", event_id);
}

std::string UnansweredKey(uint32_t partition, absl::string_view conversation_key) {
  return absl::StrCat("omnigate:bot:{", partition, "}:unanswered:", conversation_key);
}

std::string BotIdleKey(uint32_t partition) {
  return absl::StrCat("omnigate:bot:{", partition, "}:idle");
}

BotMemory::BotMemory(redis::RedisClient* redis, BotMemoryOptions options)
    : redis_(redis),
      options_(options),
      apply_script_(absl::StrCat(queue::kHistoryAppendLua, kApplyScript)),
      claim_script_(kClaimScript) {}

absl::StatusOr<BotState> BotMemory::Read(uint32_t partition, absl::string_view event_id,
                                         absl::string_view conversation_key) {
  // Read-only commands in one round trip (one node: the keys share the
  // partition's hash tag), so a read never waits for replicas. Apply checks
  // the marker again atomically.
  auto replies = redis_->RunPipeline(
      {{"EXISTS", SeenKey(partition, event_id)},
       {"GET", UnansweredKey(partition, conversation_key)},
       {"HMGET", queue::ConversationStateKey(partition, conversation_key), "mode", "connector",
        "customer_id", "language", "resolved_agent", "resolved_ms", "csat_until_ms"}});
  if (!replies.ok()) return replies.status();
  for (const redis::RedisReply& r : *replies) {
    if (r.is_error()) return RedisError("read", r.str());
  }
  const redis::RedisReply& fields = (*replies)[2];
  if (!(*replies)[0].is_integer() || !fields.is_array() || fields.size() != 7)
    return RedisError("read", "unexpected reply");
  BotState state;
  state.seen = (*replies)[0].integer() == 1;
  const absl::string_view count = (*replies)[1].str();
  if (!count.empty() && !absl::SimpleAtoi(count, &state.unanswered))
    return RedisError("read", "unanswered counter is not a number");
  ConversationView& c = state.conversation;
  c.mode = std::string(redis::ElementStr(fields.element(0)));
  c.connector = std::string(redis::ElementStr(fields.element(1)));
  c.customer_id = std::string(redis::ElementStr(fields.element(2)));
  c.language = std::string(redis::ElementStr(fields.element(3)));
  c.resolved_agent = std::string(redis::ElementStr(fields.element(4)));
  c.resolved_ms = ToInt(redis::ElementStr(fields.element(5)));
  c.csat_until_ms = ToInt(redis::ElementStr(fields.element(6)));
  return state;
}

absl::StatusOr<std::optional<Applied>> BotMemory::Apply(const BotEffect& effect) {
  const uint32_t p = effect.partition;
  const char* idle = effect.idle == IdleMark::kTrack    ? "track"
                     : effect.idle == IdleMark::kForget ? "forget"
                                                        : "";
  auto optional_number = [](int64_t v) { return v > 0 ? absl::StrCat(v) : std::string(); };
  auto reply = redis_->Eval(
      apply_script_,
      {SeenKey(p, effect.event_id), UnansweredKey(p, effect.conversation_key),
       queue::OutboundStreamKey(p), queue::ConversationStateKey(p, effect.conversation_key),
       queue::HistoryKey(p, effect.conversation_key), BotIdleKey(p)},
      {absl::StrCat(options_.seen_ttl_seconds), effect.count_unanswered ? "incr" : "reset",
       absl::StrCat(options_.unanswered_ttl_seconds), absl::StrCat(options_.outbound_max_len),
       effect.reply, absl::StrCat(options_.history_max_len),
       absl::StrCat(options_.history_retention_ms), absl::StrCat(effect.now_ms), effect.language,
       effect.priority, idle, optional_number(effect.csat_until_ms), optional_number(effect.rating),
       effect.rating_event, optional_number(effect.reopen_at_ms), effect.conversation_key});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return RedisError("apply script", reply->str());
  if (!reply->is_array() || reply->size() != 2)
    return RedisError("apply script", "unexpected reply");
  if (reply->element(0)->integer < 0) return std::optional<Applied>();
  Applied applied;
  applied.unanswered = reply->element(0)->integer;
  applied.reopened = reply->element(1)->integer == 1;
  return std::optional<Applied>(applied);
}

absl::StatusOr<std::vector<std::string>> BotMemory::ClaimIdle(uint32_t partition,
                                                              int64_t idle_before_ms, int limit) {
  auto reply = redis_->Eval(claim_script_, {BotIdleKey(partition)},
                            {absl::StrCat(idle_before_ms), absl::StrCat(limit),
                             queue::ConversationStateKey(partition, "")});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return RedisError("claim script", reply->str());
  if (!reply->is_array()) return RedisError("claim script", "unexpected reply");
  std::vector<std::string> out;
  for (size_t i = 0; i < reply->size(); ++i) out.emplace_back(redis::ElementStr(reply->element(i)));
  return out;
}

absl::Status BotMemory::Unclaim(uint32_t partition, const std::string& conversation_key,
                                int64_t since_ms) {
  auto reply =
      redis_->Run({"ZADD", BotIdleKey(partition), "NX", absl::StrCat(since_ms), conversation_key});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return RedisError("ZADD", reply->str());
  return absl::OkStatus();
}

}  // namespace omnigate::chatbot
