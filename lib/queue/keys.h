#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// Redis key layout. Every key starts with "omnigate:". Keys of one partition
// share the hash tag "{<partition>}" so a partition's stream and dedupe keys
// live in one Redis Cluster slot and one script can touch them all.
namespace omnigate::queue {

// Stream of partition p: entries carry the serialized omnigate.v1.Event in
// field "event".
inline std::string StreamKey(uint32_t partition) {
  return absl::StrCat("omnigate:stream:{", partition, "}");
}

// Idempotency marker of an event; its value is the stream entry id.
inline std::string DedupeKey(uint32_t partition, absl::string_view idempotency_key) {
  return absl::StrCat("omnigate:dedupe:{", partition, "}:", idempotency_key);
}

// Raw requests that could not be normalized, with the reason.
inline constexpr absl::string_view kQuarantineKey = "omnigate:quarantine";

// Field of a stream entry that holds the serialized event.
inline constexpr absl::string_view kEventField = "event";
// Field of a stream entry with the conversation's routing mode when the entry
// was appended ("bot", "agent", "closed"); absent means bot. Stamped by the
// same atomic script that appends, so every consumer routes an entry alike.
inline constexpr absl::string_view kModeField = "mode";
// Field of a replayed dead letter naming the only sink it is for.
inline constexpr absl::string_view kTargetSinkField = "target_sink";

// State of one conversation (hash: mode, agent_id, last_agent_id, ...).
inline std::string ConversationStateKey(uint32_t partition, absl::string_view conversation_key) {
  return absl::StrCat("omnigate:conv:{", partition, "}:", conversation_key);
}

// Replies from bots and agents waiting for the channel send path; entries
// carry field "event" like partition streams.
inline std::string OutboundStreamKey(uint32_t partition) {
  return absl::StrCat("omnigate:outbound:{", partition, "}");
}

// Dead letters of partition p, for every sink.
inline std::string DeadLetterKey(uint32_t partition) {
  return absl::StrCat("omnigate:dlq:{", partition, "}");
}

// Lease of partition p: value is the owning dispatcher's instance id.
inline std::string LeaseKey(uint32_t partition) {
  return absl::StrCat("omnigate:lease:{", partition, "}");
}

// Sorted set of live dispatcher instances, scored by last heartbeat (ms).
inline constexpr absl::string_view kDispatchersKey = "omnigate:dispatchers";

}  // namespace omnigate::queue
