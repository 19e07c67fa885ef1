#include "lib/channels/whatsapp_adapter.h"

#include <string>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/channels/meta_common.h"
#include "lib/channels/signature.h"
#include "lib/channels/whatsapp_content.h"
#include "lib/channels/whatsapp_errors.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"
#include "lib/crypto/hmac.h"

namespace omnigate::channels {
namespace {

using json::Value;
using omnigate::v1::Event;
using omnigate::v1::Role;

struct Profile {
  std::string name;
  std::string username;
};

// What every event of one `changes[].value` shares.
struct ChangeScope {
  std::string waba_id;
  std::string phone_number_id;
  // Customer id (wa_id or business-scoped user_id) -> profile.
  std::unordered_map<std::string, Profile> profiles;
};

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status ReadProfiles(const Value& value, ChangeScope* scope) {
  const Value* contacts = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(value, "contacts", &contacts));
  if (contacts == nullptr) return absl::OkStatus();
  for (const Value& contact : contacts->GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&contact, "contacts[]"));
    std::string wa_id, user_id;
    OG_RETURN_IF_ERROR(json::GetId(contact, "wa_id", &wa_id));
    OG_RETURN_IF_ERROR(json::GetId(contact, "user_id", &user_id));
    Profile profile;
    const Value* p = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(contact, "profile", &p));
    if (p != nullptr) {
      OG_RETURN_IF_ERROR(json::GetString(*p, "name", &profile.name));
      OG_RETURN_IF_ERROR(json::GetString(*p, "username", &profile.username));
    }
    if (!wa_id.empty()) scope->profiles[wa_id] = profile;
    if (!user_id.empty()) scope->profiles[user_id] = profile;
  }
  return absl::OkStatus();
}

// Sets sent_at_ms from the item's unix-seconds "timestamp", or receipt time.
absl::Status SetTimestamp(const Value& item, int64_t received_at_ms, Event* event) {
  int64_t ms = -1;
  OG_RETURN_IF_ERROR(json::GetUnixSecondsAsMs(item, "timestamp", &ms));
  if (ms >= 0) {
    event->set_sent_at_ms(ms);
    event->set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_PAYLOAD);
  } else {
    event->set_sent_at_ms(received_at_ms);
    event->set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
  }
  return absl::OkStatus();
}

Event* NewEvent(const std::string& connector, const ChangeScope& scope,
                std::vector<Event>* events) {
  Event& event = events->emplace_back();
  event.set_channel(omnigate::v1::CHANNEL_WHATSAPP);
  event.set_connector(connector);
  event.set_account_id(scope.phone_number_id);
  if (!scope.waba_id.empty()) (*event.mutable_attributes())["waba_id"] = scope.waba_id;
  return &event;
}

// Account-level notifications (template status, quality, ...): kept as one
// unsupported event of the business account, deduped by content since they
// carry no id.
void FillAccountChange(const Value& change, const std::string& field, const ChangeScope& scope,
                       int64_t received_at_ms, Event* event) {
  const std::string raw = json::Serialize(change);
  event->set_account_id(scope.waba_id);
  event->set_external_id(HexEncode(crypto::Sha256(raw)));
  event->set_conversation_key(absl::StrCat("whatsapp:", scope.waba_id, ":_account"));
  event->mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  event->set_idempotency_key(absl::StrCat("whatsapp:change:", event->external_id()));
  event->set_sent_at_ms(received_at_ms);
  event->set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
  event->mutable_unsupported()->set_type_name(absl::StrCat("field:", field));
  event->mutable_unsupported()->set_raw(raw);
}

// The phone number and customer profiles of one "messages" change value.
absl::Status ReadChangeScope(const Value& value, ChangeScope* scope) {
  const Value* metadata = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(value, "metadata", &metadata));
  OG_RETURN_IF_ERROR(json::RequireId(*metadata, "phone_number_id", &scope->phone_number_id));
  return ReadProfiles(value, scope);
}

// The customer who wrote: wa_id, or a business-scoped id for users known by
// no phone number.
absl::Status ReadFrom(const Value& message, std::string* from) {
  OG_RETURN_IF_ERROR(json::GetId(message, "from", from));
  if (from->empty()) OG_RETURN_IF_ERROR(json::GetId(message, "from_user_id", from));
  if (from->empty()) return Malformed("missing_required_field:from");
  return absl::OkStatus();
}

void SetCustomerSender(const std::string& from, const ChangeScope& scope, Event* event) {
  auto* sender = event->mutable_sender();
  sender->set_id(from);
  sender->set_role(omnigate::v1::ROLE_CUSTOMER);
  if (AllDigits(from)) sender->set_phone(absl::StrCat("+", from));
  if (auto it = scope.profiles.find(from); it != scope.profiles.end()) {
    sender->set_display_name(it->second.name);
    sender->set_username(it->second.username);
    if (!it->second.username.empty())
      (*event->mutable_attributes())["username"] = it->second.username;
  }
}

// context (the message replied to, forwarding) and referral (ad clicks).
absl::Status ReadMessageContext(const Value& message, Event* event) {
  const Value* context = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(message, "context", &context));
  if (context != nullptr) {
    OG_RETURN_IF_ERROR(json::GetString(*context, "id", event->mutable_reply_to_external_id()));
    bool forwarded = false;
    OG_RETURN_IF_ERROR(json::GetBool(*context, "forwarded", &forwarded));
    if (forwarded) (*event->mutable_attributes())["forwarded"] = "true";
  }
  const Value* referral = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(message, "referral", &referral));
  if (referral != nullptr) {
    std::string source;
    OG_RETURN_IF_ERROR(json::GetString(*referral, "source_url", &source));
    if (!source.empty()) (*event->mutable_attributes())["referral_source_url"] = source;
  }
  return absl::OkStatus();
}

// Errors the channel attached to a message or status stay on its event.
absl::Status KeepItemErrors(const Value& item, Event* event) {
  std::vector<ChannelError> errors;
  OG_RETURN_IF_ERROR(whatsapp::ReadErrors(item, &errors));
  const Value* raw = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(item, "errors", &raw));
  whatsapp::KeepErrorsOnEvent(errors, raw, event);
  return absl::OkStatus();
}

absl::Status FillMessage(const Value& message, const ChangeScope& scope, int64_t received_at_ms,
                         Event* event) {
  std::string from;
  OG_RETURN_IF_ERROR(ReadFrom(message, &from));
  OG_RETURN_IF_ERROR(json::RequireString(message, "id", event->mutable_external_id()));
  OG_RETURN_IF_ERROR(SetTimestamp(message, received_at_ms, event));
  SetCustomerSender(from, scope, event);
  event->mutable_recipient()->set_id(scope.phone_number_id);
  event->mutable_recipient()->set_role(omnigate::v1::ROLE_BUSINESS);
  event->set_conversation_key(absl::StrCat("whatsapp:", scope.phone_number_id, ":", from));
  event->set_idempotency_key(absl::StrCat("whatsapp:msg:", event->external_id()));
  OG_RETURN_IF_ERROR(ReadMessageContext(message, event));
  OG_RETURN_IF_ERROR(whatsapp::FillMessageContent(message, event));
  // e.g. type "unsupported" with code 131051: the agent sees why.
  return KeepItemErrors(message, event);
}

absl::Status FillStatus(const Value& item, const ChangeScope& scope, int64_t received_at_ms,
                        Event* event) {
  auto* status = event->mutable_status();
  std::string state;
  OG_RETURN_IF_ERROR(json::RequireString(item, "id", event->mutable_external_id()));
  OG_RETURN_IF_ERROR(json::RequireString(item, "status", &state));
  status->set_target_external_id(event->external_id());
  status->set_state(whatsapp::StatusState(state));
  OG_RETURN_IF_ERROR(json::GetId(item, "recipient_id", status->mutable_recipient_id()));
  if (status->recipient_id().empty()) {
    OG_RETURN_IF_ERROR(json::GetId(item, "recipient_user_id", status->mutable_recipient_id()));
  }
  if (status->recipient_id().empty()) return Malformed("missing_required_field:recipient_id");
  OG_RETURN_IF_ERROR(SetTimestamp(item, received_at_ms, event));
  OG_RETURN_IF_ERROR(KeepItemErrors(item, event));
  event->mutable_sender()->set_id(scope.phone_number_id);
  event->mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  event->mutable_recipient()->set_id(status->recipient_id());
  event->mutable_recipient()->set_role(omnigate::v1::ROLE_CUSTOMER);
  event->set_conversation_key(
      absl::StrCat("whatsapp:", scope.phone_number_id, ":", status->recipient_id()));
  event->set_idempotency_key(absl::StrCat("whatsapp:status:", event->external_id(), ":", state));
  if (status->state() == omnigate::v1::Status::STATE_UNSPECIFIED) {
    (*event->mutable_attributes())["status_name"] = state;
  }
  return absl::OkStatus();
}

// The events of one `changes[]` item: its messages, then its statuses.
// Value-level errors (no message, no status) go to `value_errors`.
absl::Status AppendChange(const Value& change, const ChangeScope& base,
                          const std::string& connector, int64_t received_at_ms,
                          std::vector<Event>* events, std::vector<ChannelError>* value_errors) {
  OG_RETURN_IF_ERROR(json::ExpectObject(&change, "changes[]"));
  std::string field;
  OG_RETURN_IF_ERROR(json::RequireString(change, "field", &field));
  if (field != "messages") {
    FillAccountChange(change, field, base, received_at_ms, NewEvent(connector, base, events));
    return absl::OkStatus();
  }
  const Value* value = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(change, "value", &value));
  ChangeScope scope = base;
  OG_RETURN_IF_ERROR(ReadChangeScope(*value, &scope));
  OG_RETURN_IF_ERROR(whatsapp::ReadErrors(*value, value_errors));
  const Value* messages = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(*value, "messages", &messages));
  if (messages != nullptr) {
    for (const Value& message : messages->GetArray()) {
      OG_RETURN_IF_ERROR(json::ExpectObject(&message, "messages[]"));
      OG_RETURN_IF_ERROR(
          FillMessage(message, scope, received_at_ms, NewEvent(connector, scope, events)));
    }
  }
  const Value* statuses = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(*value, "statuses", &statuses));
  if (statuses != nullptr) {
    for (const Value& item : statuses->GetArray()) {
      OG_RETURN_IF_ERROR(json::ExpectObject(&item, "statuses[]"));
      OG_RETURN_IF_ERROR(
          FillStatus(item, scope, received_at_ms, NewEvent(connector, scope, events)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WhatsAppAdapter::Authenticate(const InboundRequest& request) const {
  return VerifyMetaSignature(request, settings_.secret);
}

absl::StatusOr<HandshakeReply> WhatsAppAdapter::Handshake(const InboundRequest& request) const {
  return MetaHandshake(request, settings_.verify_token);
}

absl::Status WhatsAppAdapter::Normalize(const InboundRequest& request,
                                        NormalizeResult* result) const {
  auto doc = json::ParseStrictObject(request.body);
  if (!doc.ok()) return doc.status();
  const Value& root = **doc;
  std::string object;
  OG_RETURN_IF_ERROR(json::GetString(root, "object", &object));
  if (object != "whatsapp_business_account") {
    // Authentic but meant for another product of the same Meta app.
    result->ignored_reason = "unexpected_object_type";
    return absl::OkStatus();
  }
  const int64_t received_at_ms = ReceiptTimeMs(request, clock_);
  const Value* entries = nullptr;
  OG_RETURN_IF_ERROR(json::RequireArray(root, "entry", &entries));
  for (const Value& entry : entries->GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&entry, "entry[]"));
    ChangeScope base;
    OG_RETURN_IF_ERROR(json::GetId(entry, "id", &base.waba_id));
    const Value* changes = nullptr;
    OG_RETURN_IF_ERROR(json::RequireArray(entry, "changes", &changes));
    for (const Value& change : changes->GetArray()) {
      OG_RETURN_IF_ERROR(AppendChange(change, base, settings_.name, received_at_ms, &result->events,
                                      &result->channel_errors));
    }
  }
  // Only once the whole request parsed: a refused request reports nothing.
  ReportChannelErrors(omnigate::v1::CHANNEL_WHATSAPP, settings_.name, result->channel_errors);
  return absl::OkStatus();
}

}  // namespace omnigate::channels
