#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_script.h"
#include "lib/webchat/transcript.h"

namespace omnigate::webchat {

// The transcript as one capped Redis stream per session,
//   omnigate:webchat:{<connector>:<visitor>}:transcript
// with a marker key per appended message id (dedupe) in the same hash slot,
// both expiring `ttl` after the last message. Every append PUBLISHes the
// session name on kNotifyChannel so waiters on any replica wake up.
class RedisTranscript final : public Transcript {
 public:
  static constexpr char kNotifyChannel[] = "omnigate:webchat:notify";

  // `redis` must outlive this.
  RedisTranscript(redis::RedisClient* redis, int64_t max_len, absl::Duration ttl);

  absl::StatusOr<std::string> Append(const SessionRef& session, absl::string_view message_id,
                                     absl::string_view json) override;
  absl::StatusOr<std::vector<TranscriptEntry>> ReadAfter(const SessionRef& session,
                                                         absl::string_view cursor,
                                                         size_t max) override;

  static std::string StreamKey(const SessionRef& session);

 private:
  redis::RedisClient* const redis_;
  const int64_t max_len_;
  const int64_t ttl_seconds_;
  const redis::RedisScript append_;
};

}  // namespace omnigate::webchat
