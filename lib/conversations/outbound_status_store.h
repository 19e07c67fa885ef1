#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_script.h"
#include "omnigate/v1/event.pb.h"

namespace omnigate::conversations {

// Where a reply stands. Receipts only move it forward: queued < sent <
// delivered < read; failed ends it (a late "delivered" does not undo it, nor
// does a failure undo "read").
enum class DeliveryState { kUnknown, kQueued, kSent, kDelivered, kRead, kFailed };

absl::string_view DeliveryStateName(DeliveryState state);
DeliveryState ParseDeliveryState(absl::string_view name);

struct DeliveryStatus {
  std::string event_id;
  DeliveryState state = DeliveryState::kUnknown;
  std::string connector;
  std::string provider_message_id;
  std::string error_code;
  std::string error_message;
  int64_t updated_ms = 0;
};

// What recording a sent reply found.
struct SentRecord {
  DeliveryState state = DeliveryState::kSent;
  // Set when the reply was the first (agent) reply of the conversation's
  // open cycle: time since it opened (since the handoff).
  std::optional<absl::Duration> first_response;
  std::optional<absl::Duration> agent_first_response;
  // The conversation's priority class ("" unknown).
  std::string priority;
};

// The delivery status of replies, for Outbound.GetStatus and the receipts
// ingest stores. Each reply's record lives in its conversation's partition
// (hash tag), beside the provider-id -> reply map ingest reads when a status
// webhook arrives; records expire after `retention`. Thread-safe when the
// RedisClient is.
class OutboundStatusStore {
 public:
  OutboundStatusStore(redis::RedisClient* redis, uint32_t partitions, absl::Duration retention,
                      const Clock& clock);

  // Outbound.Send queued the reply (never moves a record backwards).
  absl::Status RecordQueued(const std::string& conversation_key, const std::string& event_id,
                            const std::string& connector);
  // The provider accepted the reply as `provider_message_id`. Receipts that
  // arrived before this (kept by ingest) are applied now. A bot's or agent's
  // reply (`role`) is also a moment of the conversation's timeline (first
  // reply, first agent reply), measured once per cycle.
  absl::StatusOr<SentRecord> RecordSent(const std::string& conversation_key,
                                        const std::string& event_id, const std::string& connector,
                                        const std::string& provider_message_id,
                                        omnigate::v1::Role role = omnigate::v1::ROLE_UNSPECIFIED);
  // The reply failed for good (the provider refused it, or it could not be
  // built).
  absl::Status RecordFailed(const std::string& conversation_key, const std::string& event_id,
                            const std::string& connector, const std::string& error_code,
                            const std::string& error_message);
  // NOT_FOUND for an unknown or expired id.
  absl::StatusOr<DeliveryStatus> Get(const std::string& event_id);

 private:
  uint32_t PartitionOf(const std::string& conversation_key) const;

  redis::RedisClient* const redis_;
  const uint32_t partitions_;
  const std::string retention_ms_;
  const Clock& clock_;
  const redis::RedisScript queued_script_;
  const redis::RedisScript sent_script_;
  const redis::RedisScript failed_script_;
};

}  // namespace omnigate::conversations
