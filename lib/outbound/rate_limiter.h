#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/outbound/rate_defaults.h"
#include "lib/redis/group_commit_writer.h"
#include "lib/redis/pipeline_writer.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_script.h"

namespace omnigate::outbound {

// What a sender does with one message now.
struct RateDecision {
  enum Kind {
    kGo,      // a slot is reserved: sleep `wait` (may be zero), then send
    kWait,    // nothing reserved: come back after `wait` (when a slot will be
              // within max_reserve), not a failed attempt
    kPaused,  // the provider asked us to stop: come back after `wait`
  };
  Kind kind = kGo;
  absl::Duration wait = absl::ZeroDuration();
};

absl::string_view RateDecisionName(RateDecision::Kind kind);

struct RateLimiterOptions {
  // The longest wait Reserve books a slot for; later slots answer kWait, so
  // a sender never holds a worker asleep for long.
  absl::Duration max_reserve = absl::Seconds(1);
  // Buckets expire this long after their TAT (and pause) passed: an idle
  // bucket is the same as no bucket, so idle recipients cost nothing.
  absl::Duration expiry_margin = absl::Seconds(1);
};

// A connector paused as a whole, for the operators' gauge.
struct PausedConnector {
  std::string connector;
  int64_t until_ms = 0;
  std::string reason;
};

// Send rate limits shared by every sender replica through Redis: GCRA with
// reservations (rate_limit_scripts.h), per connector and per recipient, and
// pauses the providers ask for. Keys (one hash tag per connector):
//   omnigate:ratelimit:{<connector>}:conn          connector bucket
//   omnigate:ratelimit:{<connector>}:to:<recipient> recipient bucket
//   omnigate:ratelimit:paused                        index of connector pauses
// Errors: UNAVAILABLE when Redis cannot be reached, INTERNAL on an error
// reply, INVALID_ARGUMENT for bad input. Thread-safe.
class RateLimiter {
 public:
  using Decided = std::function<void(absl::StatusOr<RateDecision>)>;

  // `batcher` (optional, with AddScripts' folder) carries ReserveAsync: the
  // reservations submitted while a flush is in Redis share the next round
  // trip, and those of one connector one script call.
  RateLimiter(redis::RedisClient* redis, const Clock& clock, RateLimiterOptions options = {},
              redis::GroupCommitWriter* batcher = nullptr);

  // Loads the reservation script on a group-commit writer's connections
  // and folds its calls per connector (one hash tag: Cluster-safe).
  static void AddScripts(redis::PipelineWriterOptions* options);

  // Books the earliest slot both buckets admit when it is within
  // max_reserve (kGo), else answers kWait; kPaused while a pause of the
  // connector or of this recipient lasts. A rate of 0 means no limit; an
  // empty recipient has no recipient bucket. Exception to booking: a slot
  // only the recipient delays past the connector's booked time answers
  // kWait (see kReserve), so one busy recipient never stalls the rest.
  absl::StatusOr<RateDecision> Reserve(const std::string& connector, const std::string& recipient,
                                       double connector_rate_per_s, int connector_burst,
                                       double recipient_rate_per_s, int recipient_burst,
                                       int64_t now_ms);
  // The same with a connector's limits.
  absl::StatusOr<RateDecision> Reserve(const std::string& connector, const std::string& recipient,
                                       const RateDefaults& limits, int64_t now_ms);
  // The same without waiting for Redis: `done` runs exactly once, on the
  // batcher's thread (or inline, possibly before this returns). Without a
  // batcher, Reserve then `done`.
  void ReserveAsync(const std::string& connector, const std::string& recipient,
                    const RateDefaults& limits, int64_t now_ms, Decided done);

  // Stops sends until `until_ms` (HTTP 429 Retry-After, Telegram
  // retry_after, Meta throttling codes): the connector as a whole when
  // `recipient` is empty, else that recipient only. A longer pause stands.
  // Connector-wide pauses are listed by PausedConnectors.
  absl::Status Pause(const std::string& connector, const std::string& recipient, int64_t until_ms,
                     const std::string& reason);
  // Pauses the connector as a whole from now (bad credentials, blocked
  // account: kConnector outcomes).
  absl::Status PauseConnector(const std::string& connector, absl::Duration duration,
                              const std::string& reason);
  // Connectors paused now, by name; forgets index entries of ended pauses.
  absl::StatusOr<std::vector<PausedConnector>> PausedConnectors();

 private:
  // EVALSHA of the reservation script for one send; INVALID_ARGUMENT for
  // bad input.
  absl::StatusOr<redis::RedisCommand> ReserveCommand(const std::string& connector,
                                                     const std::string& recipient,
                                                     const RateDefaults& limits,
                                                     int64_t now_ms) const;

  redis::RedisClient* const redis_;
  const Clock& clock_;
  const RateLimiterOptions options_;
  redis::GroupCommitWriter* const batcher_;
  const redis::RedisScript pause_script_;
  const redis::RedisScript forget_script_;
};

// The keys above; exposed for tests and operator tools.
std::string ConnectorBucketKey(absl::string_view connector);
std::string RecipientBucketKey(absl::string_view connector, absl::string_view recipient);
inline constexpr absl::string_view kPausedConnectorsKey = "omnigate:ratelimit:paused";

// Folds the reservation calls of one writer flush: calls on the same
// connector bucket become one call carrying their sends in submission order
// (at most `max_per_call`), written where the first was; each caller gets
// its own decision. Order per connector holds, so the decisions are those of
// the calls made one by one.
class ReserveFolder final : public redis::BatchFolder {
 public:
  explicit ReserveFolder(size_t max_per_call = 256);
  std::vector<redis::RedisCommand> Fold(const std::vector<redis::RedisCommand*>& commands,
                                        std::vector<Answer>* answers) const override;

 private:
  const size_t max_per_call_;
};

}  // namespace omnigate::outbound
