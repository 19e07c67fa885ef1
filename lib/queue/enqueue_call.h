#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "lib/queue/event_queue.h"
#include "lib/redis/connection.h"

namespace omnigate::queue {

// What every event of one queue shares in an enqueue script call
// (enqueue_script.h, ARGV[1..6]; ARGV[7] depends on the partition).
struct EnqueueSettings {
  int64_t dedupe_ttl_seconds = 24 * 3600;
  int64_t stream_max_len = 1000000;
  absl::Duration conversation_retention = absl::Hours(30 * 24);
  absl::Duration status_retention = absl::Hours(72);
  // 0: no history.
  int64_t history_max_len = 2000;
  absl::Duration history_retention = absl::Hours(90 * 24);
};

// Keys and arguments of an enqueue script call for one event.
struct EnqueueCall {
  std::vector<std::string> keys;
  std::vector<std::string> args;
};

// Builds calls of the enqueue script; the shared arguments are formatted
// once.
class EnqueueCallBuilder {
 public:
  explicit EnqueueCallBuilder(const EnqueueSettings& settings);

  // The call storing `event` (its strings are moved from); `now_ms` stamps
  // receipts.
  EnqueueCall Build(EventToStore event, int64_t now_ms) const;
  // The same as an EVALSHA command of the script with SHA-1 `sha`.
  redis::RedisCommand Command(const std::string& sha, EventToStore event, int64_t now_ms) const;

 private:
  const bool history_;
  const std::vector<std::string> shared_;  // ARGV[1..6]
};

}  // namespace omnigate::queue
