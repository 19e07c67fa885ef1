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

// Base of a partition's dedupe buckets: hashes "<base>:<n>" (n = Redis time
// ÷ the dedupe window) mapping idempotency keys to stream entry ids
// (enqueue_script.h).
inline std::string DedupeBaseKey(uint32_t partition) {
  return absl::StrCat("omnigate:dedupe:{", partition, "}");
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
// Field of a receipt's entry naming the reply (Event.id) it is about, when
// the sender recorded the provider's id first: consumers copy it into
// Status.outbound_event_id.
inline constexpr absl::string_view kOutboundEventIdField = "outbound_event_id";

// State of one conversation (hash: mode, agent_id, last_agent_id, ...).
inline std::string ConversationStateKey(uint32_t partition, absl::string_view conversation_key) {
  return absl::StrCat("omnigate:conv:{", partition, "}:", conversation_key);
}

// History of one conversation (Conversations.History): a stream whose
// entries carry field "event" like partition streams: customer messages,
// bot and agent replies, lifecycle changes and ratings, in the order they
// were recorded. Written by the same scripts that record each of them;
// capped and expiring by cx.history_* independently of partition streams.
inline std::string HistoryKey(uint32_t partition, absl::string_view conversation_key) {
  return absl::StrCat("omnigate:history:{", partition, "}:", conversation_key);
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

// Outbound dead letters of partition p (replies a channel refused for good).
inline std::string OutboundDeadLetterKey(uint32_t partition) {
  return absl::StrCat("omnigate:dlq:outbound:{", partition, "}");
}

// Lease of outbound partition p: value is the owning sender's instance id.
inline std::string SenderLeaseKey(uint32_t partition) {
  return absl::StrCat("omnigate:sender:lease:{", partition, "}");
}

// Sorted set of live sender instances, scored by last heartbeat (ms).
inline constexpr absl::string_view kSendersKey = "omnigate:senders";

// Delivery status of a reply (hash: state, connector, provider_message_id,
// error_code, error_message, updated_ms), in its conversation's partition.
inline std::string OutboundStatusKey(uint32_t partition, absl::string_view event_id) {
  return absl::StrCat("omnigate:outstatus:{", partition, "}:", event_id);
}
// The partition holding a reply's status, by reply id (GetStatus knows only
// the id).
inline std::string OutboundStatusIndexKey(absl::string_view event_id) {
  return absl::StrCat("omnigate:outindex:", event_id);
}
// The reply a provider message id belongs to: the provider's receipts name
// only their own id. Same partition as the conversation, so ingest's enqueue
// script can read it while it stores the receipt.
inline std::string ProviderMessageKey(uint32_t partition, absl::string_view connector,
                                      absl::string_view provider_message_id) {
  return absl::StrCat("omnigate:outpid:{", partition, "}:", connector, ":", provider_message_id);
}
// Receipts that arrived before the sender recorded the provider id (the
// provider answered the send and sent a webhook in a race): the best state
// seen, applied when the id is recorded.
inline std::string EarlyReceiptKey(uint32_t partition, absl::string_view connector,
                                   absl::string_view provider_message_id) {
  return absl::StrCat("omnigate:outearly:{", partition, "}:", connector, ":", provider_message_id);
}

// The keys one kind of leased stream consumer works on. The dispatcher and
// the sender run the same machinery (leases, partition workers, dead
// letters) on different streams.
struct ConsumerKeys {
  std::string (*stream)(uint32_t partition);
  std::string (*lease)(uint32_t partition);
  std::string (*dead_letter)(uint32_t partition);
  absl::string_view replicas;  // heartbeat sorted set
};

// The dispatcher: inbound partitions omnigate:stream:{p}.
inline constexpr ConsumerKeys kDispatcherKeys = {StreamKey, LeaseKey, DeadLetterKey,
                                                 kDispatchersKey};
// The sender: outbound partitions omnigate:outbound:{p}.
inline constexpr ConsumerKeys kSenderKeys = {OutboundStreamKey, SenderLeaseKey,
                                             OutboundDeadLetterKey, kSendersKey};

}  // namespace omnigate::queue
