#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "lib/common/uuid.h"
#include "lib/cx/cx_metrics.h"
#include "lib/redis/redis_client.h"
#include "lib/redis/redis_script.h"
#include "omnigate/v1/conversations.pb.h"

namespace omnigate::conversations {

struct ConversationStoreOptions {
  uint32_t partitions = 16;
  // Approximate cap of partition streams, as at ingest.
  int64_t stream_max_len = 1000000;
  // The state hash expires this long after its last change; inbound
  // messages renew it too (ingest's enqueue script).
  absl::Duration conversation_retention = absl::Hours(30 * 24);
  // Conversation history (cx.history_*): lifecycle events are appended too.
  int64_t history_max_len = 2000;
  absl::Duration history_retention = absl::Hours(90 * 24);
  // Observes queue waits and resolutions (once per cycle); optional.
  cx::CxMetrics* cx_metrics = nullptr;
};

// A conversation's routing state in Redis (hash omnigate:conv:{p}:<key>).
// Every change runs one script that updates the hash and appends the
// matching lifecycle event (handoff requested, mode changed, assigned,
// resolved, transferred) to the conversation's partition stream, stamped
// with the new mode, and to its history. The same script records the
// customer-experience moments (handoff, assigned, resolved) once per cycle. So the stream alone
// orders messages and mode changes: messages appended after a change carry the new mode and are
// routed by it.
//
// Changes are idempotent: asking for the state that already holds appends
// nothing and returns the current state (clients may retry freely).
// The hash expires `conversation_retention` after the last change or inbound
// message, so an idle conversation starts over in bot mode.
// Thread-safe.
class ConversationStore {
 public:
  ConversationStore(ConversationStoreOptions options, redis::RedisClient* redis,
                    const Clock& clock);

  // A never-seen conversation answers mode BOT.
  absl::StatusOr<omnigate::v1::Conversation> Get(const std::string& conversation_key);
  absl::StatusOr<omnigate::v1::Conversation> SetMode(const omnigate::v1::SetModeRequest& request);
  absl::StatusOr<omnigate::v1::Conversation> Assign(const omnigate::v1::AssignRequest& request);
  absl::StatusOr<omnigate::v1::Conversation> Resolve(const omnigate::v1::ResolveRequest& request);
  absl::StatusOr<omnigate::v1::Conversation> Transfer(const omnigate::v1::TransferRequest& request);

 private:
  struct Change;
  absl::StatusOr<omnigate::v1::Conversation> Apply(const std::string& conversation_key,
                                                   const Change& change);
  void Observe(const std::string& conversation_key, const Change& change,
               const redis::RedisReply& reply) const;
  omnigate::v1::Event LifecycleEvent(const std::string& conversation_key,
                                     const std::string& actor) const;

  const ConversationStoreOptions options_;
  redis::RedisClient* const redis_;
  const Clock& clock_;
  mutable UuidV7Generator ids_;
  const redis::RedisScript change_script_;
};

// "bot", "agent", "closed" for the modes; "" for MODE_UNSPECIFIED.
const char* ModeName(omnigate::v1::Mode mode);
omnigate::v1::Mode ModeFromName(absl::string_view name);

}  // namespace omnigate::conversations
