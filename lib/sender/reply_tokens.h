#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_script.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::sender {

// Attributes of a reply that may answer with a LINE reply token: the token
// the customer's webhook carried and when that webhook arrived (UTC ms).
inline constexpr absl::string_view kReplyTokenAttribute = "reply_token";
inline constexpr absl::string_view kReplyTokenAtAttribute = "reply_token_at_ms";

// LINE reply tokens cost nothing where a push spends the channel's monthly
// quota, but a token works once, and only within about a minute of the
// webhook. A reply uses its token when the token is fresh and no other
// reply took it: the first claims it in Redis (shared by every sender
// replica; the same reply may claim it again on a retry). Thread-safe when
// the RedisClient is.
class ReplyTokens {
 public:
  ReplyTokens(redis::RedisClient* redis, uint32_t partitions, const Clock& clock,
              absl::Duration fresh_for = absl::Seconds(50));

  // True when `reply` may send with its reply token; false when it has none,
  // it is too old or another reply claimed it.
  absl::StatusOr<bool> Claim(const omnigate::v1::Event& reply);

 private:
  redis::RedisClient* const redis_;
  const uint32_t partitions_;
  const Clock& clock_;
  const absl::Duration fresh_for_;
  const redis::RedisScript claim_script_;
};

}  // namespace omnigate::sender
