#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/redis/connection_pool.h"
#include "lib/redis/redis_script.h"

namespace omnigate::chatbot {

// Redis keys of the bot. Every key of a conversation carries the hash tag
// of its partition, like its outbound stream, so one script may touch them
// all in Redis Cluster.
std::string SeenKey(uint32_t partition, absl::string_view event_id);
std::string UnansweredKey(uint32_t partition, absl::string_view conversation_key);

// What handling one inbound event changes, applied at most once per event id.
struct BotEffect {
  uint32_t partition = 0;
  std::string event_id;
  std::string conversation_key;
  // The bot could not answer: count it. Otherwise the run is over: reset.
  bool count_unanswered = false;
  // Serialized omnigate.v1.Event appended to the outbound stream; empty for
  // none.
  std::string reply;
};

// State read before deciding how to answer.
struct BotState {
  bool seen = false;       // the event was handled before (redelivery)
  int64_t unanswered = 0;  // unanswered questions in a row
};

struct BotMemoryOptions {
  int64_t seen_ttl_seconds = 24 * 3600;
  // A quiet conversation forgets its unanswered run.
  int64_t unanswered_ttl_seconds = 7 * 24 * 3600;
  int64_t outbound_max_len = 1000000;
};

// Conversation memory of the bot in Redis. Thread-safe (one pooled
// connection per call). Every error is UNAVAILABLE: the caller's Deliver is
// retried and nothing was applied twice.
class BotMemory {
 public:
  BotMemory(redis::ConnectionPool* pool, BotMemoryOptions options);

  absl::StatusOr<BotState> Read(uint32_t partition, absl::string_view event_id,
                                absl::string_view conversation_key);

  // In one script call: if the event's marker is new, sets it, updates the
  // counter and appends the reply. Returns the new unanswered count, or
  // nullopt when the event had already been applied (nothing changed).
  absl::StatusOr<std::optional<int64_t>> Apply(const BotEffect& effect);

 private:
  redis::ConnectionPool* pool_;
  BotMemoryOptions options_;
  const redis::RedisScript apply_script_;
};

}  // namespace omnigate::chatbot
