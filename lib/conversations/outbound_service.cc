#include "lib/conversations/outbound_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "lib/common/log.h"
#include "lib/conversations/messaging_window.h"
#include "lib/queue/history_entry.h"
#include "lib/queue/keys.h"
#include "lib/queue/partitioner.h"

namespace omnigate::conversations {
namespace {

// KEYS[1] dedupe key ('' side unused when ARGV[3] is 0), KEYS[2] outbound
// stream, KEYS[3] conversation state, KEYS[4] conversation history; ARGV[1]
// cap, ARGV[2] event, ARGV[3] dedupe ttl seconds (0: none), ARGV[4] window
// cutoff ms: refused unless the customer wrote after it ('': no window),
// ARGV[5] history cap (0: no history), ARGV[6] history retention ms.
// The reply enters the history in the same script as the queue, so History
// never shows a reply that was not queued nor misses one that was; a
// repeated idempotency key returns before either write.
// Returns the entry id (the first one for a repeated idempotency key), or
// when refused the customer's last message time as an integer (0: none).
constexpr absl::string_view kAppendScript = R"lua(
if ARGV[3] ~= '0' then
  local prev = redis.call('GET', KEYS[1])
  if prev then return prev end
end
if ARGV[4] ~= '' then
  local last = tonumber(redis.call('HGET', KEYS[3], 'last_customer_ms')) or 0
  if last <= tonumber(ARGV[4]) then return last end
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[2])
if ARGV[3] ~= '0' then redis.call('SET', KEYS[1], id, 'EX', ARGV[3]) end
if ARGV[5] ~= '0' then history_append(KEYS[4], ARGV[2], ARGV[5], ARGV[6]) end
return id
)lua";

grpc::Status Invalid(const std::string& what) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, what);
}

}  // namespace

OutboundService::OutboundService(OutboundOptions options, redis::RedisClient* redis,
                                 const Clock& clock, const grpcutil::CallAuthorizer* authorizer,
                                 OutboundStatusStore* statuses, OutboundMetrics* metrics)
    : options_(options),
      redis_(redis),
      clock_(clock),
      ids_(clock),
      authorizer_(authorizer),
      statuses_(statuses),
      metrics_(metrics),
      append_script_(absl::StrCat(queue::kHistoryAppendLua, kAppendScript)) {}

grpc::Status OutboundService::Send(grpc::ServerContext* context,
                                   const omnigate::v1::SendRequest* request,
                                   omnigate::v1::SendResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kConversations);
      !s.ok()) {
    return s;
  }
  omnigate::v1::Event event = request->event();
  if (event.conversation_key().empty() || event.conversation_key().size() > 512)
    return Invalid("event.conversation_key is required (at most 512 bytes)");
  if (event.channel() == omnigate::v1::CHANNEL_UNSPECIFIED)
    return Invalid("event.channel is required");
  if (event.payload_case() == omnigate::v1::Event::PAYLOAD_NOT_SET)
    return Invalid("event needs a payload (text, media, ...)");
  if (event.sender().role() != omnigate::v1::ROLE_BOT &&
      event.sender().role() != omnigate::v1::ROLE_AGENT) {
    return Invalid("event.sender.role must be ROLE_BOT or ROLE_AGENT");
  }
  if (event.idempotency_key().size() > 1024) return Invalid("event.idempotency_key is too long");
  if (event.id().empty()) event.set_id(ids_.Next());
  const int64_t now = clock_.NowMs();
  if (event.sent_at_ms() == 0) event.set_sent_at_ms(now);
  if (event.received_at_ms() == 0) event.set_received_at_ms(now);
  const uint32_t p = queue::PartitionOf(event.conversation_key(), options_.partitions);
  if (event.recipient().id().empty() && event.recipient().phone().empty() &&
      event.recipient().email().empty()) {
    // No recipient named: the conversation's customer, as ingest recorded
    // them with their last message.
    auto customer = redis_->Run(
        {"HGET", queue::ConversationStateKey(p, event.conversation_key()), "customer_id"});
    if (!customer.ok()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(customer.status().message()));
    }
    if (!customer->is_null() && !customer->str().empty()) {
      const std::string id(customer->str());
      event.mutable_recipient()->set_id(id);
      if (event.channel() == omnigate::v1::CHANNEL_EMAIL) event.mutable_recipient()->set_email(id);
      if (event.channel() == omnigate::v1::CHANNEL_TWILIO) event.mutable_recipient()->set_phone(id);
    } else if (ReplyWindow(event) == absl::ZeroDuration()) {
      // (Where a window applies, its check below gives the better answer:
      // the customer never wrote.)
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "no recipient: the conversation has no customer message on record; "
                          "set event.recipient.id");
    }
  }
  const bool dedupe = !event.idempotency_key().empty();
  const std::string dedupe_key =
      dedupe ? absl::StrCat("omnigate:outbound-dedupe:{", p, "}:", event.idempotency_key())
             : absl::StrCat("omnigate:outbound-dedupe:{", p, "}");
  const absl::Duration window = ReplyWindow(event);
  const std::string cutoff =
      window == absl::ZeroDuration() ? "" : absl::StrCat(now - absl::ToInt64Milliseconds(window));
  auto reply = redis_->Eval(
      append_script_,
      {dedupe_key, queue::OutboundStreamKey(p),
       queue::ConversationStateKey(p, event.conversation_key()),
       queue::HistoryKey(p, event.conversation_key())},
      {absl::StrCat(options_.stream_max_len), event.SerializeAsString(),
       dedupe ? absl::StrCat(options_.dedupe_ttl_seconds) : "0", cutoff,
       absl::StrCat(std::max<int64_t>(0, options_.history_max_len)),
       absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(options_.history_retention)))});
  if (!reply.ok()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(reply.status().message()));
  }
  if (reply->is_integer()) {
    const absl::Status refused = CheckReplyWindow(event, reply->integer(), now);
    if (!refused.ok()) {
      if (metrics_ != nullptr) metrics_->WindowRefused(event.channel());
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, std::string(refused.message()));
    }
  }
  if (!reply->is_string()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("redis outbound append: ", reply->str()));
  }
  const std::string entry_id(reply->str());
  if (metrics_ != nullptr) metrics_->Queued(event.channel());
  if (statuses_ != nullptr) {
    // Best effort: the reply is queued either way, and the sender's record
    // of its outcome creates the status if this one is missing.
    if (auto s = statuses_->RecordQueued(event.conversation_key(), event.id(), event.connector());
        !s.ok()) {
      OG_LOG(WARNING) << "reply " << event.id() << " queued, status not recorded: " << s;
    }
  }
  response->set_event_id(event.id());
  response->set_stream_entry_id(entry_id);
  return grpc::Status::OK;
}

grpc::Status OutboundService::GetStatus(grpc::ServerContext* context,
                                        const omnigate::v1::GetStatusRequest* request,
                                        omnigate::v1::GetStatusResponse* response) {
  if (auto s = grpcutil::Authorize(authorizer_, *context, grpcutil::Scope::kConversations);
      !s.ok()) {
    return s;
  }
  if (statuses_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "served by omnigate-sender");
  }
  if (request->event_id().empty() || request->event_id().size() > 256) {
    return Invalid("event_id is required (at most 256 bytes)");
  }
  auto status = statuses_->Get(request->event_id());
  if (!status.ok()) {
    const grpc::StatusCode code = absl::IsNotFound(status.status()) ? grpc::StatusCode::NOT_FOUND
                                                                    : grpc::StatusCode::UNAVAILABLE;
    return grpc::Status(code, std::string(status.status().message()));
  }
  using State = omnigate::v1::GetStatusResponse;
  response->set_event_id(status->event_id);
  switch (status->state) {
    case DeliveryState::kQueued:
      response->set_state(State::STATE_QUEUED);
      break;
    case DeliveryState::kSent:
      response->set_state(State::STATE_SENT);
      break;
    case DeliveryState::kDelivered:
      response->set_state(State::STATE_DELIVERED);
      break;
    case DeliveryState::kRead:
      response->set_state(State::STATE_READ);
      break;
    case DeliveryState::kFailed:
      response->set_state(State::STATE_FAILED);
      break;
    case DeliveryState::kUnknown:
      response->set_state(State::STATE_UNSPECIFIED);
      break;
  }
  response->set_connector(status->connector);
  response->set_provider_message_id(status->provider_message_id);
  response->set_error_code(status->error_code);
  response->set_error_message(status->error_message);
  response->set_updated_at_ms(status->updated_ms);
  return grpc::Status::OK;
}

}  // namespace omnigate::conversations
