#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_script.h"

namespace omnigate::chatbot {

// Redis keys of the bot. Every key of a conversation carries the hash tag
// of its partition, like its outbound stream, so one script may touch them
// all in Redis Cluster.
std::string SeenKey(uint32_t partition, absl::string_view event_id);
std::string UnansweredKey(uint32_t partition, absl::string_view conversation_key);
// Sorted set of conversations the bot answered last, scored by when (ms):
// the ones left alone for cx.bot_resolve_idle are resolved by the bot.
std::string BotIdleKey(uint32_t partition);

// What to do with a conversation's place among those waiting to be
// resolved by the bot for idleness.
enum class IdleMark { kKeep, kTrack, kForget };

// What handling one inbound event changes, applied at most once per event id.
struct BotEffect {
  uint32_t partition = 0;
  std::string event_id;
  std::string conversation_key;
  // The bot could not answer: count it. Otherwise the run is over: reset.
  bool count_unanswered = false;
  // Serialized omnigate.v1.Event appended to the outbound stream and the
  // conversation's history; empty for none.
  std::string reply;
  // Kept on the conversation state when not empty: the language the bot
  // detected ("en", "id") and the routing priority of the message.
  std::string language;
  std::string priority;
  IdleMark idle = IdleMark::kKeep;
  int64_t now_ms = 0;
  // > 0: the CSAT question is in `reply`; answers before this count as
  // ratings.
  int64_t csat_until_ms = 0;
  // 1..5: the customer's rating; `rating_event` (serialized) goes to the
  // conversation's history.
  int rating = 0;
  std::string rating_event;
  // > 0: the customer's message (sent then) after the CSAT question was not
  // a rating: it opens a new cycle, as ingest does for other messages.
  int64_t reopen_at_ms = 0;
};

// The conversation as the bot needs it (state hash fields; empty = unset).
struct ConversationView {
  std::string mode;
  std::string connector;
  std::string customer_id;
  std::string language;
  std::string resolved_agent;
  int64_t resolved_ms = 0;
  int64_t csat_until_ms = 0;
};

// State read before deciding how to answer.
struct BotState {
  bool seen = false;       // the event was handled before (redelivery)
  int64_t unanswered = 0;  // unanswered questions in a row
  ConversationView conversation;
};

// What Apply did.
struct Applied {
  int64_t unanswered = 0;
  bool reopened = false;  // reopen_at_ms opened a new cycle
};

struct BotMemoryOptions {
  int64_t seen_ttl_seconds = 24 * 3600;
  // A quiet conversation forgets its unanswered run.
  int64_t unanswered_ttl_seconds = 7 * 24 * 3600;
  int64_t outbound_max_len = 1000000;
  // Conversation history (cx.history_*).
  int64_t history_max_len = 2000;
  int64_t history_retention_ms = int64_t{90} * 24 * 3600 * 1000;
};

// Conversation memory of the bot in Redis (one Redis or a Redis Cluster:
// every call touches one partition's keys). Thread-safe when the client is.
// Every error is UNAVAILABLE: the caller's Deliver is retried and nothing
// was applied twice.
class BotMemory {
 public:
  // `redis` outlives the memory.
  BotMemory(redis::RedisClient* redis, BotMemoryOptions options);

  absl::StatusOr<BotState> Read(uint32_t partition, absl::string_view event_id,
                                absl::string_view conversation_key);

  // In one script call: if the event's marker is new, sets it, updates the
  // counter, the conversation state and the idle set, and appends the reply.
  // nullopt when the event had already been applied (nothing changed).
  absl::StatusOr<std::optional<Applied>> Apply(const BotEffect& effect);

  // Conversations the bot answered whose customer has been quiet since
  // before `idle_before_ms`: each is taken out of the idle set (so one
  // replica handles it) when it is still the bot's and open. At most `limit`.
  absl::StatusOr<std::vector<std::string>> ClaimIdle(uint32_t partition, int64_t idle_before_ms,
                                                     int limit);
  // Puts a claimed conversation back (resolving it failed; try later).
  absl::Status Unclaim(uint32_t partition, const std::string& conversation_key, int64_t since_ms);

 private:
  redis::RedisClient* const redis_;
  BotMemoryOptions options_;
  const redis::RedisScript apply_script_;
  const redis::RedisScript claim_script_;
};

}  // namespace omnigate::chatbot
