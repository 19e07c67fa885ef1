#include "lib/channels/email_receipts.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/channels/event_fields.h"
#include "lib/channels/mime.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"

namespace omnigate::channels::email {
namespace {

using json::Value;
using omnigate::v1::Event;
using State = omnigate::v1::Status::State;

// Set by the e-mail send adapters (custom_args / v: variables).
constexpr char kConversationArg[] = "conversation_key";
constexpr size_t kMaxConversationKey = 1024;

// What one provider event says, before it becomes an Event.
struct Receipt {
  std::string kind;  // the provider's event name
  std::string target;
  std::string customer;
  std::string conversation;
  std::string idempotency_key;
  int64_t time_ms = 0;
  State state = omnigate::v1::Status::STATE_UNSPECIFIED;
  bool opt_out = false;
  std::string error_code;
  std::string error_message;
};

// The custom argument when it is one of ours (an e-mail conversation key).
std::string ConversationArg(const Value* holder) {
  const Value* v =
      holder != nullptr && holder->IsObject() ? json::Find(*holder, kConversationArg) : nullptr;
  if (v == nullptr || !v->IsString() || v->GetStringLength() > kMaxConversationKey) return "";
  std::string key(v->GetString(), v->GetStringLength());
  return absl::StartsWith(key, "email:") ? key : "";
}

// "email:<our address>:<thread root>" -> our address.
std::string AccountOf(absl::string_view conversation) {
  absl::string_view rest = absl::StripPrefix(conversation, "email:");
  return std::string(rest.substr(0, rest.find(':')));
}

Event ToEvent(const Receipt& r, const Value& item, const std::string& connector,
              int64_t received_at_ms) {
  Event event;
  event.set_channel(omnigate::v1::CHANNEL_EMAIL);
  event.set_connector(connector);
  // Mail other tools sent through the account carries no conversation: its
  // receipts are kept apart (they link to no reply).
  event.set_conversation_key(
      !r.conversation.empty()
          ? r.conversation
          : absl::StrCat("email:", connector, ":", r.target.empty() ? "receipts" : r.target));
  event.set_account_id(AccountOf(event.conversation_key()));
  event.set_external_id(r.target);
  event.set_idempotency_key(r.idempotency_key);
  event.mutable_sender()->set_id(event.account_id());
  event.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  event.mutable_recipient()->set_id(r.customer);
  event.mutable_recipient()->set_email(r.customer);
  event.mutable_recipient()->set_role(omnigate::v1::ROLE_CUSTOMER);
  SetSentAt(r.time_ms, received_at_ms, &event);
  (*event.mutable_attributes())["email_event"] = r.kind;
  if (r.state != omnigate::v1::Status::STATE_UNSPECIFIED) {
    auto* status = event.mutable_status();
    status->set_state(r.state);
    status->set_target_external_id(r.target);
    status->set_recipient_id(r.customer);
    status->set_error_code(r.error_code);
    status->set_error_message(r.error_message);
  } else if (r.opt_out) {
    event.mutable_conversation()->set_kind(omnigate::v1::ConversationEvent::KIND_OPT_OUT);
    event.mutable_conversation()->set_reason(r.kind);
  } else {
    event.mutable_unsupported()->set_type_name(r.kind);
    event.mutable_unsupported()->set_raw(json::Serialize(item));
  }
  return event;
}

// SendGrid: processed (accepted for delivery), deferred (SendGrid retries),
// delivered, open/click (the customer read it), bounce/dropped (for good).
void SendGridState(Receipt* r) {
  const std::string& k = r->kind;
  if (k == "processed") r->state = omnigate::v1::Status::STATE_SENT;
  if (k == "deferred") r->state = omnigate::v1::Status::STATE_QUEUED;
  if (k == "delivered") r->state = omnigate::v1::Status::STATE_DELIVERED;
  if (k == "open" || k == "click") r->state = omnigate::v1::Status::STATE_READ;
  if (k == "bounce" || k == "dropped") r->state = omnigate::v1::Status::STATE_FAILED;
  r->opt_out = k == "unsubscribe" || k == "group_unsubscribe" || k == "spamreport";
}

absl::Status ReadSendGridEvent(const Value& item, Receipt* r) {
  OG_RETURN_IF_ERROR(json::ExpectObject(&item, "events[]"));
  OG_RETURN_IF_ERROR(json::RequireString(item, "event", &r->kind));
  std::string sg_message_id, sg_event_id;
  OG_RETURN_IF_ERROR(json::GetString(item, "sg_message_id", &sg_message_id));
  OG_RETURN_IF_ERROR(json::GetString(item, "sg_event_id", &sg_event_id));
  OG_RETURN_IF_ERROR(json::GetString(item, "email", &r->customer));
  r->customer = absl::AsciiStrToLower(r->customer);
  OG_RETURN_IF_ERROR(json::GetUnixSecondsAsMs(item, "timestamp", &r->time_ms));
  r->target = SendGridMessageId(sg_message_id);
  r->conversation = ConversationArg(&item);
  SendGridState(r);
  if (r->state == omnigate::v1::Status::STATE_FAILED) {
    OG_RETURN_IF_ERROR(json::GetString(item, "status", &r->error_code));
    OG_RETURN_IF_ERROR(json::GetString(item, "reason", &r->error_message));
    if (r->error_code.empty()) OG_RETURN_IF_ERROR(json::GetString(item, "type", &r->error_code));
  }
  // SendGrid has redelivered one event under a new sg_event_id: the
  // message, event and time identify it.
  if (!sg_message_id.empty()) {
    r->idempotency_key =
        absl::StrCat("email:sgevent:", sg_message_id, ":", r->kind, ":", r->time_ms);
  } else if (!sg_event_id.empty()) {
    r->idempotency_key = absl::StrCat("email:sgevent:", sg_event_id);
  } else {
    r->idempotency_key = absl::StrCat("email:sgevent:", r->customer, ":", r->kind, ":", r->time_ms);
  }
  return absl::OkStatus();
}

// Mailgun: accepted, delivered, failed (permanent; temporary ones Mailgun
// retries), opened/clicked, unsubscribed/complained.
void MailgunState(const std::string& severity, Receipt* r) {
  const std::string& k = r->kind;
  if (k == "accepted") r->state = omnigate::v1::Status::STATE_SENT;
  if (k == "delivered") r->state = omnigate::v1::Status::STATE_DELIVERED;
  if (k == "opened" || k == "clicked") r->state = omnigate::v1::Status::STATE_READ;
  if (k == "rejected" || (k == "failed" && severity != "temporary")) {
    r->state = omnigate::v1::Status::STATE_FAILED;
  } else if (k == "failed") {
    r->state = omnigate::v1::Status::STATE_QUEUED;
  }
  r->opt_out = k == "unsubscribed" || k == "complained";
}

absl::Status ReadMailgunEvent(const Value& data, Receipt* r) {
  OG_RETURN_IF_ERROR(json::RequireString(data, "event", &r->kind));
  OG_RETURN_IF_ERROR(json::GetString(data, "recipient", &r->customer));
  r->customer = absl::AsciiStrToLower(r->customer);
  double seconds = 0;
  OG_RETURN_IF_ERROR(json::GetDouble(data, "timestamp", &seconds));
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e11) {
    return Malformed("integer_out_of_range:timestamp");
  }
  r->time_ms = static_cast<int64_t>(seconds * 1000);
  const Value* message = nullptr;
  const Value* headers = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(data, "message", &message));
  if (message != nullptr) OG_RETURN_IF_ERROR(json::GetObject(*message, "headers", &headers));
  std::string message_id;
  if (headers != nullptr) OG_RETURN_IF_ERROR(json::GetString(*headers, "message-id", &message_id));
  // Shown without angle brackets; the send answer has them: both stripped.
  r->target = mime::StripAngles(message_id);
  const Value* variables = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(data, "user-variables", &variables));
  r->conversation = ConversationArg(variables);
  std::string severity;
  OG_RETURN_IF_ERROR(json::GetString(data, "severity", &severity));
  MailgunState(severity, r);
  if (r->state == omnigate::v1::Status::STATE_FAILED) {
    const Value* delivery = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(data, "delivery-status", &delivery));
    if (delivery != nullptr) {
      OG_RETURN_IF_ERROR(json::GetId(*delivery, "code", &r->error_code));
      OG_RETURN_IF_ERROR(json::GetString(*delivery, "message", &r->error_message));
      if (r->error_message.empty()) {
        OG_RETURN_IF_ERROR(json::GetString(*delivery, "description", &r->error_message));
      }
    }
    if (r->error_message.empty())
      OG_RETURN_IF_ERROR(json::GetString(data, "reason", &r->error_message));
  }
  std::string id;
  OG_RETURN_IF_ERROR(json::GetString(data, "id", &id));
  r->idempotency_key =
      !id.empty() ? absl::StrCat("email:mgevent:", id)
                  : absl::StrCat("email:mgevent:", r->target, ":", r->kind, ":", r->time_ms);
  return absl::OkStatus();
}

}  // namespace

bool IsEventWebhook(absl::string_view body) {
  body = absl::StripLeadingAsciiWhitespace(body);
  return !body.empty() && (body.front() == '{' || body.front() == '[');
}

std::string SendGridMessageId(absl::string_view sg_message_id) {
  const absl::string_view id = absl::StripAsciiWhitespace(sg_message_id);
  // Older X-Message-Ids hold dots themselves ("14c5d75ce93.dfd.64b469"):
  // cut at the filter/receiver suffix when there is one.
  for (absl::string_view marker : {".filter", ".recvd"}) {
    if (const size_t at = id.find(marker); at != absl::string_view::npos) {
      return std::string(id.substr(0, at));
    }
  }
  return std::string(id.substr(0, id.find('.')));
}

MailgunSignature MailgunJsonSignature(absl::string_view body) {
  MailgunSignature out;
  auto doc = json::ParseStrictObject(body);
  if (!doc.ok()) return out;
  const Value* signature = json::Find(**doc, "signature");
  if (signature == nullptr || !signature->IsObject()) return out;
  // Any of them unreadable leaves it empty: refused as missing.
  if (!json::GetId(*signature, "timestamp", &out.timestamp).ok() ||
      !json::GetString(*signature, "token", &out.token).ok() ||
      !json::GetString(*signature, "signature", &out.signature).ok()) {
    return MailgunSignature();
  }
  return out;
}

absl::Status AppendSendGridEvents(absl::string_view body, const std::string& connector,
                                  int64_t received_at_ms, std::vector<Event>* out) {
  auto doc = json::ParseStrict(body);
  if (!doc.ok()) return doc.status();
  if (!(*doc)->IsArray()) return Malformed("schema_type_mismatch:body");
  for (const Value& item : (*doc)->GetArray()) {
    Receipt r;
    OG_RETURN_IF_ERROR(ReadSendGridEvent(item, &r));
    out->push_back(ToEvent(r, item, connector, received_at_ms));
  }
  return absl::OkStatus();
}

absl::Status AppendMailgunEvent(absl::string_view body, const std::string& connector,
                                int64_t received_at_ms, std::vector<Event>* out) {
  auto doc = json::ParseStrictObject(body);
  if (!doc.ok()) return doc.status();
  const Value* data = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(**doc, "event-data", &data));
  Receipt r;
  OG_RETURN_IF_ERROR(ReadMailgunEvent(*data, &r));
  out->push_back(ToEvent(r, *data, connector, received_at_ms));
  return absl::OkStatus();
}

}  // namespace omnigate::channels::email
