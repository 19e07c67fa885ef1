#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/queue/keys.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_script.h"
#include "omnigate/v1/admin.pb.h"

namespace omnigate::dispatch {

// Operator access to the dead-letter streams omnigate:dlq:{p}: list by
// selector, replay (append back to the partition stream for the sink that
// refused it, atomically removed from the dead letters), drop. Thread-safe.
class DeadLetterStore {
 public:
  // `keys`: the dispatcher's dead letters, or the sender's (outbound).
  DeadLetterStore(uint32_t partitions, int64_t stream_max_len, redis::RedisClient* redis,
                  const queue::ConsumerKeys* keys = &queue::kDispatcherKeys);

  // Oldest first, at most selector.limit (default 1000).
  absl::StatusOr<std::vector<omnigate::v1::DeadLetter>> List(
      const omnigate::v1::DeadLetterSelector& selector);
  // Returns how many were replayed / dropped.
  absl::StatusOr<uint32_t> Replay(const omnigate::v1::DeadLetterSelector& selector);
  absl::StatusOr<uint32_t> Drop(const omnigate::v1::DeadLetterSelector& selector);

 private:
  // Runs `action` on each selected dead letter ((partition, entry id));
  // returns how many it reported done.
  using EntryAction = std::function<absl::StatusOr<bool>(uint32_t, const std::string&)>;
  absl::StatusOr<uint32_t> ForEachSelected(const omnigate::v1::DeadLetterSelector& selector,
                                           const EntryAction& action);

  const uint32_t partitions_;
  const int64_t stream_max_len_;
  const queue::ConsumerKeys* const keys_;
  redis::RedisClient* const redis_;
  const redis::RedisScript replay_script_;
};

// "<partition>/<entry id>" <-> parts. INVALID_ARGUMENT when malformed.
std::string DeadLetterId(uint32_t partition, const std::string& entry_id);
absl::Status ParseDeadLetterId(const std::string& id, uint32_t partitions, uint32_t* partition,
                               std::string* entry_id);

}  // namespace omnigate::dispatch
