#pragma once

#include "lib/channels/replay_guard.h"
#include "lib/redis/redis_client.h"

namespace omnigate::channels {

// A ReplayGuard in Redis: SET key 1 NX EX ttl, one round trip; the key
// expires with the window, so nothing needs cleaning up. Keys are the
// caller's (they must start with "omnigate:").
class RedisReplayGuard final : public ReplayGuard {
 public:
  // `redis` must outlive the guard.
  explicit RedisReplayGuard(redis::RedisClient* redis) : redis_(redis) {}

  absl::Status Claim(absl::string_view key, absl::Duration ttl) override;
  absl::Status Release(absl::string_view key) override;

 private:
  redis::RedisClient* const redis_;
};

}  // namespace omnigate::channels
