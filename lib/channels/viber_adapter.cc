#include "lib/channels/viber_adapter.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "lib/channels/event_fields.h"
#include "lib/channels/form_encoding.h"
#include "lib/channels/signature.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"
#include "lib/crypto/hmac.h"
#include "lib/json/strict_json.h"

namespace omnigate::channels {
namespace {

using json::Value;
using omnigate::v1::ConversationEvent;
using omnigate::v1::Event;
using omnigate::v1::MediaItem;

absl::Status FillMedia(const Value& message, MediaItem::Kind kind, Event* event) {
  auto* media = event->mutable_media();
  MediaItem* item = media->add_items();
  item->set_kind(kind);
  OG_RETURN_IF_ERROR(json::GetString(message, "media", item->mutable_url()));
  OG_RETURN_IF_ERROR(json::GetString(message, "file_name", item->mutable_file_name()));
  int64_t size = 0, duration = 0;
  OG_RETURN_IF_ERROR(json::GetInt64(message, "size", &size));
  OG_RETURN_IF_ERROR(json::GetInt64(message, "duration", &duration));
  if (size < 0 || duration < 0 || duration > 4000000) return Malformed("integer_out_of_range:size");
  item->set_size_bytes(static_cast<uint64_t>(size));
  item->set_duration_ms(static_cast<uint32_t>(duration * 1000));
  OG_RETURN_IF_ERROR(json::GetString(message, "text", media->mutable_caption()));
  return absl::OkStatus();
}

absl::Status FillMessage(const Value& message, Event* event) {
  std::string type;
  OG_RETURN_IF_ERROR(json::RequireString(message, "type", &type));
  std::string tracking;
  OG_RETURN_IF_ERROR(json::GetString(message, "tracking_data", &tracking));
  // Bots round-trip their own state through tracking_data.
  if (!tracking.empty()) (*event->mutable_attributes())["tracking_data"] = tracking;
  if (type == "text") {
    return json::GetString(message, "text", event->mutable_text()->mutable_body());
  }
  if (type == "picture") return FillMedia(message, MediaItem::KIND_IMAGE, event);
  if (type == "video") return FillMedia(message, MediaItem::KIND_VIDEO, event);
  if (type == "file") return FillMedia(message, MediaItem::KIND_DOCUMENT, event);
  if (type == "sticker") {
    MediaItem* item = event->mutable_media()->add_items();
    item->set_kind(MediaItem::KIND_STICKER);
    OG_RETURN_IF_ERROR(json::GetId(message, "sticker_id", item->mutable_media_id()));
    return json::GetString(message, "media", item->mutable_url());
  }
  if (type == "url") {
    auto* text = event->mutable_text();
    OG_RETURN_IF_ERROR(json::GetString(message, "media", text->mutable_preview_url()));
    text->set_body(text->preview_url());
    return absl::OkStatus();
  }
  if (type == "location") {
    const Value* location = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(message, "location", &location));
    double latitude = 0, longitude = 0;
    OG_RETURN_IF_ERROR(json::GetDouble(*location, "lat", &latitude));
    OG_RETURN_IF_ERROR(json::GetDouble(*location, "lon", &longitude));
    event->mutable_location()->set_latitude(latitude);
    event->mutable_location()->set_longitude(longitude);
    return absl::OkStatus();
  }
  if (type == "contact") {
    const Value* contact = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(message, "contact", &contact));
    auto* card = event->mutable_contacts()->add_contacts();
    OG_RETURN_IF_ERROR(json::GetString(*contact, "name", card->mutable_formatted_name()));
    OG_RETURN_IF_ERROR(
        json::GetString(*contact, "phone_number", card->add_phones()->mutable_number()));
    return absl::OkStatus();
  }
  event->mutable_unsupported()->set_type_name(type);
  event->mutable_unsupported()->set_raw(json::Serialize(message));
  return absl::OkStatus();
}

omnigate::v1::Status::State StatusState(absl::string_view name) {
  if (name == "delivered") return omnigate::v1::Status::STATE_DELIVERED;
  if (name == "seen") return omnigate::v1::Status::STATE_READ;
  return omnigate::v1::Status::STATE_FAILED;
}

ConversationEvent::Kind LifecycleKind(absl::string_view name) {
  if (name == "subscribed") return ConversationEvent::KIND_SUBSCRIBED;
  if (name == "unsubscribed") return ConversationEvent::KIND_UNSUBSCRIBED;
  return ConversationEvent::KIND_CONVERSATION_STARTED;
}

// What every Viber callback names: its kind and, for messages and receipts,
// the message token.
struct Callback {
  std::string kind;
  std::string token;
  std::string bot;
  std::string user_id;
  int64_t timestamp = 0;
};

// The user: a `sender` (message), a `user` (subscribed,
// conversation_started) or only a `user_id` (receipts, unsubscribed).
absl::Status ReadUser(const Value& root, Callback* callback, Event* event) {
  const Value* user = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(root, callback->kind == "message" ? "sender" : "user", &user));
  if (user != nullptr) {
    OG_RETURN_IF_ERROR(json::RequireString(*user, "id", &callback->user_id));
    OG_RETURN_IF_ERROR(
        json::GetString(*user, "name", event->mutable_sender()->mutable_display_name()));
    std::string language;
    OG_RETURN_IF_ERROR(json::GetString(*user, "language", &language));
    event->set_locale(language);
  } else {
    OG_RETURN_IF_ERROR(json::GetString(root, "user_id", &callback->user_id));
  }
  if (callback->user_id.empty()) return Malformed("missing_required_field:user_id");
  event->set_conversation_key(absl::StrCat("viber:", callback->bot, ":", callback->user_id));
  return absl::OkStatus();
}

bool IsReceipt(absl::string_view kind) {
  return kind == "delivered" || kind == "seen" || kind == "failed";
}

// A receipt on a message the bot sent.
absl::Status FillReceipt(const Value& root, const Callback& callback, Event* event) {
  if (callback.token.empty()) return Malformed("missing_required_field:message_token");
  event->mutable_sender()->set_id(callback.bot);
  event->mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  event->mutable_recipient()->set_id(callback.user_id);
  event->mutable_recipient()->set_role(omnigate::v1::ROLE_CUSTOMER);
  event->set_external_id(callback.token);
  auto* status = event->mutable_status();
  status->set_state(StatusState(callback.kind));
  status->set_target_external_id(callback.token);
  status->set_recipient_id(callback.user_id);
  OG_RETURN_IF_ERROR(json::GetString(root, "desc", status->mutable_error_message()));
  event->set_idempotency_key(absl::StrCat("viber:status:", callback.token, ":", callback.kind));
  return absl::OkStatus();
}

// A message or lifecycle event from the user; other kinds kept unsupported.
absl::Status FillUserEvent(const Value& root, absl::string_view body, const Callback& callback,
                           Event* event) {
  const std::string& kind = callback.kind;
  event->mutable_sender()->set_id(callback.user_id);
  event->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  event->mutable_recipient()->set_id(callback.bot);
  event->mutable_recipient()->set_role(omnigate::v1::ROLE_BUSINESS);
  if (kind == "message") {
    if (callback.token.empty()) return Malformed("missing_required_field:message_token");
    const Value* message = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(root, "message", &message));
    event->set_external_id(callback.token);
    event->set_idempotency_key(absl::StrCat("viber:msg:", callback.token));
    return FillMessage(*message, event);
  }
  if (kind == "subscribed" || kind == "unsubscribed" || kind == "conversation_started") {
    event->mutable_conversation()->set_kind(LifecycleKind(kind));
    event->mutable_conversation()->set_reason(kind);
    std::string context;
    OG_RETURN_IF_ERROR(json::GetString(root, "context", &context));
    if (!context.empty()) (*event->mutable_attributes())["context"] = context;
  } else {
    event->mutable_unsupported()->set_type_name(kind);
    event->mutable_unsupported()->set_raw(body.data(), body.size());
  }
  // Keyed by the token, or by user and time when there is none.
  event->set_idempotency_key(
      absl::StrCat("viber:event:", kind, ":",
                   callback.token.empty() ? absl::StrCat(callback.user_id, ":", callback.timestamp)
                                          : callback.token));
  return absl::OkStatus();
}

}  // namespace

absl::Status ViberAdapter::Authenticate(const InboundRequest& request) const {
  constexpr absl::string_view kHeader = "x-viber-content-signature";
  auto expected_mac = [&] { return crypto::HmacSha256(settings_.secret, request.body); };
  const bool has_header = request.headers != nullptr && request.headers->Get(kHeader).has_value();
  if (has_header || request.query.empty()) {
    return VerifyMacHeader(request, kHeader, "", MacEncoding::kHex, expected_mac);
  }
  // Viber's own SDK also takes the signature from the "sig" query
  // parameter (header first): check it the same way, as if it were the
  // header.
  auto query = ParseUrlEncoded(request.query);
  const std::string* sig = query.ok() ? FindParam(*query, "sig") : nullptr;
  Headers from_query;
  if (request.headers != nullptr) {
    for (const auto& [name, value] : request.headers->entries()) from_query.Add(name, value);
  }
  if (sig != nullptr) from_query.Add(kHeader, *sig);
  InboundRequest with_sig = request;
  with_sig.headers = &from_query;
  return VerifyMacHeader(with_sig, kHeader, "", MacEncoding::kHex, expected_mac);
}

absl::Status ViberAdapter::Normalize(const InboundRequest& request, NormalizeResult* result) const {
  auto doc = json::ParseStrictObject(request.body);
  if (!doc.ok()) return doc.status();
  const Value& root = **doc;
  Callback callback;
  OG_RETURN_IF_ERROR(json::RequireString(root, "event", &callback.kind));
  OG_RETURN_IF_ERROR(json::GetId(root, "message_token", &callback.token));
  // The set-up callback Viber sends when the webhook is registered.
  if (callback.kind == "webhook") return absl::OkStatus();
  callback.bot = settings_.account_id.empty() ? settings_.name : settings_.account_id;

  Event event;
  event.set_channel(omnigate::v1::CHANNEL_VIBER);
  event.set_connector(settings_.name);
  event.set_account_id(callback.bot);
  OG_RETURN_IF_ERROR(json::GetInt64(root, "timestamp", &callback.timestamp));
  SetSentAt(callback.timestamp, ReceiptTimeMs(request, clock_), &event);
  OG_RETURN_IF_ERROR(ReadUser(root, &callback, &event));
  OG_RETURN_IF_ERROR(IsReceipt(callback.kind)
                         ? FillReceipt(root, callback, &event)
                         : FillUserEvent(root, request.body, callback, &event));
  result->events.push_back(std::move(event));
  return absl::OkStatus();
}

}  // namespace omnigate::channels
