#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// Redis keys of the agent router. They all share the hash tag "{agents}" so
// they live in one Redis Cluster slot and one Lua script may touch any of
// them atomically (the point: no chat to two agents, no agent over capacity).
namespace omnigate::agents::keys {

inline constexpr absl::string_view kPrefix = "omnigate:agents:{agents}:";

// Hash: name, skills, languages (comma-separated), capacity, presence, load,
// last_assigned_ms.
inline std::string Agent(absl::string_view agent_id) {
  return absl::StrCat(kPrefix, "agent:", agent_id);
}
// Set of every known agent id.
inline std::string AgentIds() { return absl::StrCat(kPrefix, "ids"); }
// String: the agent holding a conversation.
inline std::string Assignment(absl::string_view conversation_key) {
  return absl::StrCat(kPrefix, "assign:", conversation_key);
}
// String: the agent who last served this customer thread (sticky routing).
inline std::string LastAgent(absl::string_view conversation_key) {
  return absl::StrCat(kPrefix, "last:", conversation_key);
}
// Sorted set of waiting conversation keys, scored by QueueScore().
inline std::string Queue() { return absl::StrCat(kPrefix, "queue"); }
// Hash of a waiting conversation: skill, language, priority, enqueued_ms.
inline std::string Queued(absl::string_view conversation_key) {
  return absl::StrCat(kPrefix, "queued:", conversation_key);
}
// Set of conversations assigned but not yet recorded through
// Conversations.Assign (retried until it succeeds).
inline std::string PendingNotify() { return absl::StrCat(kPrefix, "pending_notify"); }
// Counter bumped by every change that may free room (release, transfer,
// agent upsert, presence online). A queue drain fences its assignments on
// it so a seat freed mid-walk goes to the queue's head, not the entry the
// walk happened to reach.
inline std::string Freed() { return absl::StrCat(kPrefix, "freed"); }
// Marker of a CSAT rating already credited to an agent (by rating event id).
inline std::string RatingCredited(absl::string_view rating_event_id) {
  return absl::StrCat(kPrefix, "rated:", rating_event_id);
}

}  // namespace omnigate::agents::keys
