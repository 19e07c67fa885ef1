#pragma once

#include "lib/channels/attachment_store.h"
#include "lib/redis/redis_client.h"

namespace omnigate::channels {

// Attachments in Redis: SET omnigate:attachment:<ref> <bytes> EX <ttl>.
// Content-addressed, so a redelivery overwrites the same key (and renews
// its expiry).
class RedisAttachmentStore final : public AttachmentStore {
 public:
  // `redis` must outlive the store.
  explicit RedisAttachmentStore(redis::RedisClient* redis) : redis_(redis) {}

  absl::StatusOr<std::string> Put(absl::string_view bytes, absl::Duration ttl) override;

 private:
  redis::RedisClient* const redis_;
};

}  // namespace omnigate::channels
