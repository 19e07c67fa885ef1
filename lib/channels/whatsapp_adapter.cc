#include "lib/channels/whatsapp_adapter.h"

#include <string>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/channels/meta_common.h"
#include "lib/channels/signature.h"
#include "lib/channels/whatsapp_content.h"
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

  auto new_event = [&](const ChangeScope& scope) {
    Event& event = result->events.emplace_back();
    event.set_channel(omnigate::v1::CHANNEL_WHATSAPP);
    event.set_connector(settings_.name);
    event.set_account_id(scope.phone_number_id);
    if (!scope.waba_id.empty()) (*event.mutable_attributes())["waba_id"] = scope.waba_id;
    return &event;
  };

  const Value* entries = nullptr;
  OG_RETURN_IF_ERROR(json::RequireArray(root, "entry", &entries));
  for (const Value& entry : entries->GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&entry, "entry[]"));
    ChangeScope base;
    OG_RETURN_IF_ERROR(json::GetId(entry, "id", &base.waba_id));
    const Value* changes = nullptr;
    OG_RETURN_IF_ERROR(json::RequireArray(entry, "changes", &changes));
    for (const Value& change : changes->GetArray()) {
      OG_RETURN_IF_ERROR(json::ExpectObject(&change, "changes[]"));
      std::string field;
      OG_RETURN_IF_ERROR(json::RequireString(change, "field", &field));
      if (field != "messages") {
        // Account-level notifications (template status, quality, ...): kept
        // as one unsupported event of the business account, deduped by
        // content since they carry no id.
        Event* event = new_event(base);
        const std::string raw = json::Serialize(change);
        event->set_account_id(base.waba_id);
        event->set_external_id(HexEncode(crypto::Sha256(raw)));
        event->set_conversation_key(absl::StrCat("whatsapp:", base.waba_id, ":_account"));
        event->mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
        event->set_idempotency_key(absl::StrCat("whatsapp:change:", event->external_id()));
        event->set_sent_at_ms(received_at_ms);
        event->set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
        event->mutable_unsupported()->set_type_name(absl::StrCat("field:", field));
        event->mutable_unsupported()->set_raw(raw);
        continue;
      }
      const Value* value = nullptr;
      OG_RETURN_IF_ERROR(json::RequireObject(change, "value", &value));
      ChangeScope scope = base;
      const Value* metadata = nullptr;
      OG_RETURN_IF_ERROR(json::RequireObject(*value, "metadata", &metadata));
      OG_RETURN_IF_ERROR(json::RequireId(*metadata, "phone_number_id", &scope.phone_number_id));
      OG_RETURN_IF_ERROR(ReadProfiles(*value, &scope));

      const Value* messages = nullptr;
      OG_RETURN_IF_ERROR(json::GetArray(*value, "messages", &messages));
      if (messages != nullptr) {
        for (const Value& message : messages->GetArray()) {
          OG_RETURN_IF_ERROR(json::ExpectObject(&message, "messages[]"));
          Event* event = new_event(scope);
          std::string from;
          OG_RETURN_IF_ERROR(json::GetId(message, "from", &from));
          if (from.empty()) {
            // Users known by a business-scoped id only (no phone number).
            OG_RETURN_IF_ERROR(json::GetId(message, "from_user_id", &from));
          }
          if (from.empty()) return Malformed("missing_required_field:from");
          OG_RETURN_IF_ERROR(json::RequireString(message, "id", event->mutable_external_id()));
          OG_RETURN_IF_ERROR(SetTimestamp(message, received_at_ms, event));

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
          event->mutable_recipient()->set_id(scope.phone_number_id);
          event->mutable_recipient()->set_role(omnigate::v1::ROLE_BUSINESS);
          event->set_conversation_key(absl::StrCat("whatsapp:", scope.phone_number_id, ":", from));
          event->set_idempotency_key(absl::StrCat("whatsapp:msg:", event->external_id()));

          const Value* context = nullptr;
          OG_RETURN_IF_ERROR(json::GetObject(message, "context", &context));
          if (context != nullptr) {
            OG_RETURN_IF_ERROR(
                json::GetString(*context, "id", event->mutable_reply_to_external_id()));
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
          OG_RETURN_IF_ERROR(whatsapp::FillMessageContent(message, event));
        }
      }

      const Value* statuses = nullptr;
      OG_RETURN_IF_ERROR(json::GetArray(*value, "statuses", &statuses));
      if (statuses != nullptr) {
        for (const Value& item : statuses->GetArray()) {
          OG_RETURN_IF_ERROR(json::ExpectObject(&item, "statuses[]"));
          Event* event = new_event(scope);
          auto* status = event->mutable_status();
          std::string state;
          OG_RETURN_IF_ERROR(json::RequireString(item, "id", event->mutable_external_id()));
          OG_RETURN_IF_ERROR(json::RequireString(item, "status", &state));
          status->set_target_external_id(event->external_id());
          status->set_state(whatsapp::StatusState(state));
          OG_RETURN_IF_ERROR(json::GetId(item, "recipient_id", status->mutable_recipient_id()));
          if (status->recipient_id().empty()) {
            OG_RETURN_IF_ERROR(
                json::GetId(item, "recipient_user_id", status->mutable_recipient_id()));
          }
          if (status->recipient_id().empty())
            return Malformed("missing_required_field:recipient_id");
          OG_RETURN_IF_ERROR(SetTimestamp(item, received_at_ms, event));
          const Value* errors = nullptr;
          OG_RETURN_IF_ERROR(json::GetArray(item, "errors", &errors));
          if (errors != nullptr && !errors->Empty()) {
            const Value& error = (*errors)[0];
            OG_RETURN_IF_ERROR(json::ExpectObject(&error, "errors[]"));
            OG_RETURN_IF_ERROR(json::GetId(error, "code", status->mutable_error_code()));
            OG_RETURN_IF_ERROR(json::GetString(error, "title", status->mutable_error_message()));
            if (status->error_message().empty()) {
              OG_RETURN_IF_ERROR(
                  json::GetString(error, "message", status->mutable_error_message()));
            }
            // Newer payloads put the human-readable cause only here.
            const Value* error_data = nullptr;
            OG_RETURN_IF_ERROR(json::GetObject(error, "error_data", &error_data));
            if (status->error_message().empty() && error_data != nullptr) {
              OG_RETURN_IF_ERROR(
                  json::GetString(*error_data, "details", status->mutable_error_message()));
            }
          }
          event->mutable_sender()->set_id(scope.phone_number_id);
          event->mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
          event->mutable_recipient()->set_id(status->recipient_id());
          event->mutable_recipient()->set_role(omnigate::v1::ROLE_CUSTOMER);
          event->set_conversation_key(
              absl::StrCat("whatsapp:", scope.phone_number_id, ":", status->recipient_id()));
          event->set_idempotency_key(
              absl::StrCat("whatsapp:status:", event->external_id(), ":", state));
          if (status->state() == omnigate::v1::Status::STATE_UNSPECIFIED) {
            (*event->mutable_attributes())["status_name"] = state;
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace omnigate::channels
