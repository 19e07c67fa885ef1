#include "lib/webchat/visitor_message.h"

#include "absl/strings/str_cat.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"
#include "lib/json/strict_json.h"
#include "lib/webchat/json_out.h"

namespace omnigate::webchat {
namespace {

constexpr size_t kMaxPayloadBytes = 256;
constexpr size_t kMaxLocaleBytes = 16;
constexpr size_t kMaxPageUrlBytes = 2048;

}  // namespace

absl::StatusOr<VisitorMessage> ParseVisitorMessage(absl::string_view body, size_t max_text_bytes) {
  auto doc = json::ParseStrictObject(body);
  if (!doc.ok()) return doc.status();
  VisitorMessage m;
  OG_RETURN_IF_ERROR(json::RequireString(**doc, "client_message_id", &m.client_message_id));
  if (!IsSafeId(m.client_message_id, 64)) return Malformed("bad_client_message_id");
  OG_RETURN_IF_ERROR(json::GetString(**doc, "text", &m.text));
  const json::Value* quick = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(**doc, "quick_reply", &quick));
  if (quick != nullptr) {
    OG_RETURN_IF_ERROR(json::RequireString(*quick, "payload", &m.quick_reply_payload));
    if (m.quick_reply_payload.size() > kMaxPayloadBytes) return Malformed("payload_too_long");
  }
  if (m.text.empty() && m.quick_reply_payload.empty()) {
    return Malformed("missing_required_field:text");
  }
  if (m.text.size() > max_text_bytes) {
    return Reject(absl::StatusCode::kOutOfRange, "text_too_long",
                  absl::StrCat("at most ", max_text_bytes, " bytes"));
  }
  OG_RETURN_IF_ERROR(json::GetString(**doc, "locale", &m.locale));
  if (m.locale.size() > kMaxLocaleBytes) return Malformed("bad_locale");
  OG_RETURN_IF_ERROR(json::GetString(**doc, "page_url", &m.page_url));
  if (m.page_url.size() > kMaxPageUrlBytes) m.page_url.clear();  // informative only
  return m;
}

std::string ConversationKeyOf(absl::string_view site, absl::string_view visitor_id) {
  return absl::StrCat("webchat:", site, ":", visitor_id);
}

omnigate::v1::Event VisitorEvent(const std::string& connector, const VisitorClaims& visitor,
                                 const VisitorMessage& message, int64_t now_ms) {
  omnigate::v1::Event event;
  event.set_channel(omnigate::v1::CHANNEL_WEBCHAT);
  event.set_connector(connector);
  event.set_account_id(visitor.site);
  event.set_external_id(message.client_message_id);
  // Scoped by visitor: one visitor cannot suppress another's message by
  // reusing its id.
  event.set_idempotency_key(absl::StrCat("webchat:msg:", visitor.site, ":", visitor.visitor_id, ":",
                                         message.client_message_id));
  event.set_conversation_key(ConversationKeyOf(visitor.site, visitor.visitor_id));
  event.set_sent_at_ms(now_ms);
  event.set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
  event.set_locale(message.locale);
  auto* sender = event.mutable_sender();
  sender->set_id(visitor.visitor_id);
  sender->set_display_name(visitor.name);
  sender->set_email(visitor.email);
  sender->set_role(omnigate::v1::ROLE_CUSTOMER);
  event.mutable_recipient()->set_id(visitor.site);
  event.mutable_recipient()->set_role(omnigate::v1::ROLE_BUSINESS);
  if (!message.page_url.empty()) (*event.mutable_attributes())["page_url"] = message.page_url;
  (*event.mutable_attributes())["webchat_widget"] = visitor.anonymous ? "anonymous" : "signed";
  if (!message.quick_reply_payload.empty()) {
    auto* reply = event.mutable_interactive();
    reply->set_type(omnigate::v1::InteractiveReply::TYPE_QUICK_REPLY);
    reply->set_id(message.quick_reply_payload);
    reply->set_title(message.text);
  } else {
    event.mutable_text()->set_body(message.text);
  }
  return event;
}

std::string VisitorEntryJson(const VisitorMessage& message, int64_t now_ms) {
  JsonOut json;
  json.BeginObject().Field("id", message.client_message_id).Field("role", "customer");
  json.Field("text", message.text).IntField("at", now_ms).EndObject();
  return json.Take();
}

}  // namespace omnigate::webchat
