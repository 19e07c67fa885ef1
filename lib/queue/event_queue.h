#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace omnigate::queue {

// One event ready to be stored.
struct EventToStore {
  uint32_t partition = 0;
  std::string idempotency_key;
  // Serialized omnigate.v1.Event.
  std::string payload;
  // The event's conversation: its routing mode is stamped on the entry.
  std::string conversation_key;
  // When > 0: a customer's message sent then (UTC ms). The queue records the
  // latest one on the conversation (its messaging window, Outbound.Send).
  int64_t customer_message_ms = 0;
  // The customer's channel id (phone, user id, e-mail address) with it, and
  // the connector it came through.
  std::string customer_id;
  std::string connector;
  // A provider's receipt for a reply omnigate may have sent (status events):
  // the queue links it to the reply and moves the reply's status forward.
  struct Receipt {
    std::string connector;
    std::string provider_message_id;
    std::string state;  // sent | delivered | read | failed
    std::string error_code;
    std::string error_message;
  };
  std::optional<Receipt> receipt;
  // Also appended to the conversation's history (messages, lifecycle,
  // ratings; not receipts, which belong to the reply they are about).
  bool history = false;
};

// What happened to one event.
struct EnqueueOutcome {
  // Stream entry id; for a duplicate, the entry of the first delivery.
  std::string stream_entry_id;
  bool duplicate = false;
  // A customer's message that opened a conversation cycle (first ever, or
  // after a resolve: reopened). Never set for a duplicate.
  enum class Cycle { kNone, kOpened, kReopened };
  Cycle cycle = Cycle::kNone;
};

// A request kept for inspection because it could not be normalized.
struct QuarantineRecord {
  std::string connector;
  std::string reason;
  std::string detail;
  int64_t received_at_ms = 0;
  // Headers as "name: value" lines.
  std::string headers;
  std::string body;
  std::string query;
};

using EnqueueCallback = std::function<void(absl::StatusOr<std::vector<EnqueueOutcome>>)>;
using StatusCallback = std::function<void(absl::Status)>;

// Durable, deduplicating event queue. The seam between ingest and storage.
// Thread-safe; callbacks may run on any thread and must be short.
class EventQueue {
 public:
  virtual ~EventQueue() = default;

  // Stores every event, or reports why not. OK means each event is durably
  // queued or was a duplicate (outcomes in input order). Errors:
  // UNAVAILABLE (storage down or outcome unknown: retry, dedupe makes it
  // safe), RESOURCE_EXHAUSTED (load shed). `done` runs exactly once.
  virtual void Enqueue(std::vector<EventToStore> events, EnqueueCallback done) = 0;

  // Keeps a rejected request. OK only once stored.
  virtual void Quarantine(QuarantineRecord record, StatusCallback done) = 0;

  // True when writes can currently succeed (readiness).
  virtual bool healthy() const = 0;
};

}  // namespace omnigate::queue
