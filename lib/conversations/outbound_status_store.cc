#include "lib/conversations/outbound_status_store.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/conversations/outbound_status_scripts.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"

namespace omnigate::conversations {

absl::string_view DeliveryStateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kQueued:
      return "queued";
    case DeliveryState::kSent:
      return "sent";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kRead:
      return "read";
    case DeliveryState::kFailed:
      return "failed";
    case DeliveryState::kUnknown:
      break;
  }
  return "unknown";
}

DeliveryState ParseDeliveryState(absl::string_view name) {
  for (DeliveryState s : {DeliveryState::kQueued, DeliveryState::kSent, DeliveryState::kDelivered,
                          DeliveryState::kRead, DeliveryState::kFailed}) {
    if (DeliveryStateName(s) == name) return s;
  }
  return DeliveryState::kUnknown;
}

OutboundStatusStore::OutboundStatusStore(redis::RedisClient* redis, uint32_t partitions,
                                         absl::Duration retention, const Clock& clock)
    : redis_(redis),
      partitions_(partitions),
      retention_ms_(absl::StrCat(absl::ToInt64Milliseconds(retention))),
      clock_(clock),
      queued_script_(scripts::kRecordQueued),
      sent_script_(scripts::kRecordSent),
      failed_script_(scripts::kRecordFailed) {}

uint32_t OutboundStatusStore::PartitionOf(const std::string& conversation_key) const {
  return queue::PartitionOf(conversation_key, partitions_);
}

absl::Status OutboundStatusStore::RecordQueued(const std::string& conversation_key,
                                               const std::string& event_id,
                                               const std::string& connector) {
  const uint32_t p = PartitionOf(conversation_key);
  auto reply = redis_->Eval(queued_script_, {queue::OutboundStatusKey(p, event_id)},
                            {connector, absl::StrCat(clock_.NowMs()), retention_ms_});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return absl::InternalError(std::string(reply->str()));
  // The index lives in another slot (it is looked up by id alone).
  auto index = redis_->Run(
      {"SET", queue::OutboundStatusIndexKey(event_id), absl::StrCat(p), "PX", retention_ms_});
  return index.status();
}

absl::StatusOr<SentRecord> OutboundStatusStore::RecordSent(const std::string& conversation_key,
                                                           const std::string& event_id,
                                                           const std::string& connector,
                                                           const std::string& provider_message_id,
                                                           omnigate::v1::Role role) {
  const uint32_t p = PartitionOf(conversation_key);
  const char* responder = role == omnigate::v1::ROLE_BOT     ? "bot"
                          : role == omnigate::v1::ROLE_AGENT ? "agent"
                                                             : "";
  auto reply = redis_->Eval(sent_script_,
                            {queue::OutboundStatusKey(p, event_id),
                             queue::ProviderMessageKey(p, connector, provider_message_id),
                             queue::EarlyReceiptKey(p, connector, provider_message_id),
                             queue::ConversationStateKey(p, conversation_key)},
                            {event_id, provider_message_id, connector, absl::StrCat(clock_.NowMs()),
                             retention_ms_, responder});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return absl::InternalError(std::string(reply->str()));
  if (!reply->is_array() || reply->size() != 4)
    return absl::InternalError("redis record-sent: unexpected reply");
  SentRecord record;
  record.state = ParseDeliveryState(redis::ElementStr(reply->element(0)));
  if (const int64_t ms = reply->element(1)->integer; ms >= 0)
    record.first_response = absl::Milliseconds(ms);
  if (const int64_t ms = reply->element(2)->integer; ms >= 0)
    record.agent_first_response = absl::Milliseconds(ms);
  record.priority = std::string(redis::ElementStr(reply->element(3)));
  auto index = redis_->Run(
      {"SET", queue::OutboundStatusIndexKey(event_id), absl::StrCat(p), "PX", retention_ms_});
  if (!index.ok()) return index.status();
  return record;
}

absl::Status OutboundStatusStore::RecordFailed(const std::string& conversation_key,
                                               const std::string& event_id,
                                               const std::string& connector,
                                               const std::string& error_code,
                                               const std::string& error_message) {
  const uint32_t p = PartitionOf(conversation_key);
  auto reply = redis_->Eval(failed_script_, {queue::OutboundStatusKey(p, event_id)},
                            {connector, error_code, error_message.substr(0, 512),
                             absl::StrCat(clock_.NowMs()), retention_ms_});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return absl::InternalError(std::string(reply->str()));
  auto index = redis_->Run(
      {"SET", queue::OutboundStatusIndexKey(event_id), absl::StrCat(p), "PX", retention_ms_});
  return index.status();
}

absl::StatusOr<DeliveryStatus> OutboundStatusStore::Get(const std::string& event_id) {
  auto index = redis_->Run({"GET", queue::OutboundStatusIndexKey(event_id)});
  if (!index.ok()) return index.status();
  uint32_t p = 0;
  if (index->is_null() || !absl::SimpleAtoi(index->str(), &p)) {
    return absl::NotFoundError(absl::StrCat("no reply '", event_id, "' (unknown or expired)"));
  }
  auto record = redis_->Run({"HGETALL", queue::OutboundStatusKey(p, event_id)});
  if (!record.ok()) return record.status();
  if (record->size() == 0) {
    return absl::NotFoundError(absl::StrCat("no reply '", event_id, "' (unknown or expired)"));
  }
  DeliveryStatus status;
  status.event_id = event_id;
  for (size_t i = 0; i + 1 < record->size(); i += 2) {
    const absl::string_view field = redis::ElementStr(record->element(i));
    const absl::string_view value = redis::ElementStr(record->element(i + 1));
    if (field == "state") {
      status.state = ParseDeliveryState(value);
    } else if (field == "connector") {
      status.connector = std::string(value);
    } else if (field == "provider_message_id") {
      status.provider_message_id = std::string(value);
    } else if (field == "error_code") {
      status.error_code = std::string(value);
    } else if (field == "error_message") {
      status.error_message = std::string(value);
    } else if (field == "updated_ms") {
      (void)absl::SimpleAtoi(value, &status.updated_ms);
    }
  }
  return status;
}

}  // namespace omnigate::conversations
