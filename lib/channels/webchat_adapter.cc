#include "lib/channels/webchat_adapter.h"

#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "lib/channels/event_fields.h"
#include "lib/channels/signature.h"
#include "lib/common/encoding.h"
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

// Replies one message.read event may name.
constexpr size_t kMaxReadIds = 100;

// RFC 3339 with offset (client clock, so only informative).
absl::Status ReadIsoTime(const Value& object, const char* key, int64_t received_at_ms,
                         Event* event) {
  std::string text;
  OG_RETURN_IF_ERROR(json::GetString(object, key, &text));
  if (text.empty()) {
    event->set_sent_at_ms(received_at_ms);
    event->set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
    return absl::OkStatus();
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return Malformed(absl::StrCat("bad_timestamp:", key), error);
  }
  event->set_sent_at_ms(absl::ToUnixMillis(time));
  event->set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_PAYLOAD);
  return absl::OkStatus();
}

absl::Status FillMessage(const Value& message, Event* event) {
  std::string text;
  OG_RETURN_IF_ERROR(json::GetString(message, "text", &text));
  OG_RETURN_IF_ERROR(json::GetString(message, "reply_to", event->mutable_reply_to_external_id()));
  const Value* quick = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(message, "quick_reply", &quick));
  if (quick != nullptr) {
    auto* reply = event->mutable_interactive();
    reply->set_type(omnigate::v1::InteractiveReply::TYPE_QUICK_REPLY);
    OG_RETURN_IF_ERROR(json::RequireString(*quick, "payload", reply->mutable_id()));
    reply->set_title(text);
    OG_RETURN_IF_ERROR(
        json::GetString(*quick, "source_server_message_id", event->mutable_reply_to_external_id()));
    return absl::OkStatus();
  }
  const Value* attachments = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(message, "attachments", &attachments));
  if (attachments != nullptr && !attachments->Empty()) {
    auto* media = event->mutable_media();
    media->set_caption(text);
    for (const Value& attachment : attachments->GetArray()) {
      OG_RETURN_IF_ERROR(json::ExpectObject(&attachment, "attachments[]"));
      MediaItem* item = media->add_items();
      OG_RETURN_IF_ERROR(json::RequireString(attachment, "url", item->mutable_url()));
      OG_RETURN_IF_ERROR(json::GetString(attachment, "upload_id", item->mutable_media_id()));
      OG_RETURN_IF_ERROR(json::GetString(attachment, "mime_type", item->mutable_mime_type()));
      OG_RETURN_IF_ERROR(json::GetString(attachment, "filename", item->mutable_file_name()));
      OG_RETURN_IF_ERROR(json::GetString(attachment, "sha256", item->mutable_sha256()));
      int64_t size = 0;
      OG_RETURN_IF_ERROR(json::GetInt64(attachment, "size_bytes", &size));
      if (size < 0) return Malformed("integer_out_of_range:size_bytes");
      item->set_size_bytes(static_cast<uint64_t>(size));
      item->set_kind(MediaKindOfMime(item->mime_type()));
    }
    return absl::OkStatus();
  }
  event->mutable_text()->set_body(text);
  return absl::OkStatus();
}

// The session an event happened in: who the visitor is, on which page.
absl::Status ReadSession(const Value& item, const std::string& site, Event* event) {
  const Value* session = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(item, "session", &session));
  std::string session_id, visitor;
  OG_RETURN_IF_ERROR(json::RequireString(*session, "id", &session_id));
  OG_RETURN_IF_ERROR(json::GetString(*session, "visitor_id", &visitor));
  OG_RETURN_IF_ERROR(json::GetString(*session, "locale", event->mutable_locale()));
  std::string page;
  OG_RETURN_IF_ERROR(json::GetString(*session, "page_url", &page));
  if (!page.empty()) (*event->mutable_attributes())["page_url"] = page;
  event->set_conversation_key(absl::StrCat("webchat:", site, ":", session_id));
  event->mutable_sender()->set_id(visitor.empty() ? session_id : visitor);
  event->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  event->mutable_recipient()->set_id(site);
  event->mutable_recipient()->set_role(omnigate::v1::ROLE_BUSINESS);
  return absl::OkStatus();
}

absl::Status FillMessageCreated(const Value& item, const std::string& site, Event* event) {
  const Value* message = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(item, "message", &message));
  OG_RETURN_IF_ERROR(
      json::RequireString(*message, "client_message_id", event->mutable_external_id()));
  // The widget reuses client_message_id on every retry.
  event->set_idempotency_key(absl::StrCat("webchat:msg:", site, ":", event->external_id()));
  return FillMessage(*message, event);
}

absl::Status FillRating(const Value& item, Event* event) {
  const Value* rating = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(item, "rating", &rating));
  int64_t score = 0, scale = 5;
  OG_RETURN_IF_ERROR(json::GetInt64(*rating, "score", &score));
  OG_RETURN_IF_ERROR(json::GetInt64(*rating, "scale", &scale));
  if (scale < 1 || scale > 100 || score < 0 || score > scale) {
    return Malformed("integer_out_of_range:score");
  }
  auto* out = event->mutable_rating();
  out->set_score(static_cast<int32_t>(score));
  out->set_scale(static_cast<int32_t>(scale));
  return json::GetString(*rating, "comment", out->mutable_comment());
}

// The visitor changed the text of one of their messages: the same Edit the
// other channels produce, aimed at the message's client_message_id. Every
// edit is its own event (deduped on event_id), so none is lost as a
// duplicate of the original.
absl::Status FillMessageEdited(const Value& item, const std::string& site,
                               const std::string& event_id, Event* event) {
  const Value* message = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(item, "message", &message));
  auto* edit = event->mutable_edit();
  OG_RETURN_IF_ERROR(
      json::RequireString(*message, "client_message_id", edit->mutable_target_external_id()));
  if (json::Find(*message, "text") == nullptr) return Malformed("missing_required_field:text");
  OG_RETURN_IF_ERROR(json::GetString(*message, "text", edit->mutable_body()));
  event->set_external_id(edit->target_external_id());
  event->set_idempotency_key(
      absl::StrCat("webchat:edit:", site, ":", edit->target_external_id(), ":", event_id));
  return absl::OkStatus();
}

// Sets the payload by the event's type.
absl::Status FillPayload(const Value& item, const std::string& type, const std::string& site,
                         const std::string& event_id, Event* event) {
  if (type == "message.created") return FillMessageCreated(item, site, event);
  if (type == "message.edited") return FillMessageEdited(item, site, event_id, event);
  if (type == "session.started" || type == "session.ended") {
    auto* conversation = event->mutable_conversation();
    conversation->set_kind(type == "session.started" ? ConversationEvent::KIND_SESSION_STARTED
                                                     : ConversationEvent::KIND_SESSION_ENDED);
    conversation->set_reason(type == "session.started" ? "session_started" : "session_ended");
    return absl::OkStatus();
  }
  if (type == "rating.submitted") return FillRating(item, event);
  event->mutable_unsupported()->set_type_name(type);
  event->mutable_unsupported()->set_raw(json::Serialize(item));
  return absl::OkStatus();
}

absl::Status FillEvent(const Value& item, const std::string& site, int64_t received_at_ms,
                       Event* event) {
  std::string type, event_id;
  OG_RETURN_IF_ERROR(json::RequireString(item, "type", &type));
  OG_RETURN_IF_ERROR(json::RequireString(item, "event_id", &event_id));
  OG_RETURN_IF_ERROR(ReadIsoTime(item, "occurred_at", received_at_ms, event));
  OG_RETURN_IF_ERROR(ReadSession(item, site, event));
  event->set_idempotency_key(absl::StrCat("webchat:event:", site, ":", event_id));
  return FillPayload(item, type, site, event_id, event);
}

// message.read: the visitor saw the site's replies, named by the
// server_message_id they came with (what the sender recorded as the
// reply's provider id). One READ status per reply, as other channels'
// receipts.
absl::Status AppendReadReceipts(const Value& item, const std::string& site,
                                const std::string& connector, int64_t received_at_ms,
                                std::vector<Event>* events) {
  Event base;
  base.set_channel(omnigate::v1::CHANNEL_WEBCHAT);
  base.set_connector(connector);
  base.set_account_id(site);
  std::string event_id;
  OG_RETURN_IF_ERROR(json::RequireString(item, "event_id", &event_id));
  OG_RETURN_IF_ERROR(ReadIsoTime(item, "occurred_at", received_at_ms, &base));
  OG_RETURN_IF_ERROR(ReadSession(item, site, &base));
  const std::string visitor = base.sender().id();
  // A receipt is the channel's word about our message, to the visitor.
  base.mutable_sender()->set_id(site);
  base.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  base.mutable_recipient()->set_id(visitor);
  base.mutable_recipient()->set_role(omnigate::v1::ROLE_CUSTOMER);
  const Value* read = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(item, "read", &read));
  const Value* ids = nullptr;
  OG_RETURN_IF_ERROR(json::RequireArray(*read, "server_message_ids", &ids));
  if (ids->Empty()) return Malformed("missing_required_field:server_message_ids");
  if (ids->Size() > kMaxReadIds) return Malformed("integer_out_of_range:server_message_ids");
  for (const Value& id : ids->GetArray()) {
    if (!id.IsString() || id.GetStringLength() == 0) {
      return Malformed("schema_type_mismatch:server_message_ids[]");
    }
    Event& event = events->emplace_back(base);
    event.set_external_id(id.GetString());
    auto* status = event.mutable_status();
    status->set_state(omnigate::v1::Status::STATE_READ);
    status->set_target_external_id(id.GetString());
    status->set_recipient_id(visitor);
    event.set_idempotency_key(absl::StrCat("webchat:status:", site, ":", id.GetString(), ":read"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WebchatAdapter::Authenticate(const InboundRequest& request) const {
  std::optional<absl::string_view> header;
  if (request.headers != nullptr) header = request.headers->Get("x-webchat-signature");
  if (!header || header->empty()) {
    return Unauthenticated("signature_missing", "X-Webchat-Signature header is absent");
  }
  absl::string_view t, v1;
  for (absl::string_view part : absl::StrSplit(*header, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::StartsWith(part, "t=")) t = part.substr(2);
    if (absl::StartsWith(part, "v1=")) v1 = part.substr(3);
  }
  int64_t seconds = 0;
  const std::optional<std::string> given = HexDecode(v1);
  if (!absl::SimpleAtoi(t, &seconds) || !given || given->size() != 32) {
    return Unauthenticated("signature_malformed", "expected t=<unix seconds>,v1=<64 hex digits>");
  }
  const std::string expected =
      crypto::HmacSha256(settings_.secret, absl::StrCat(t, ".", request.body));
  if (!crypto::ConstantTimeEquals(*given, expected)) {
    return Unauthenticated("signature_mismatch", "X-Webchat-Signature does not match the body");
  }
  // Checked after the MAC so an attacker cannot probe our clock.
  if (std::llabs(clock_.NowMs() / 1000 - seconds) > kMaxSkewSeconds) {
    return Unauthenticated("signature_stale_timestamp", "signature time is more than 300 s away");
  }
  return absl::OkStatus();
}

absl::Status WebchatAdapter::Normalize(const InboundRequest& request,
                                       NormalizeResult* result) const {
  auto doc = json::ParseStrictObject(request.body);
  if (!doc.ok()) return doc.status();
  const Value& root = **doc;
  std::string site;
  OG_RETURN_IF_ERROR(json::RequireString(root, "site_id", &site));
  int64_t version = 1;
  OG_RETURN_IF_ERROR(json::GetInt64(root, "schema_version", &version));
  if (version != 1) return Malformed("unsupported_schema_version");
  const Value* events = nullptr;
  OG_RETURN_IF_ERROR(json::RequireArray(root, "events", &events));
  const int64_t received_at_ms = ReceiptTimeMs(request, clock_);

  for (const Value& item : events->GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&item, "events[]"));
    std::string type;
    OG_RETURN_IF_ERROR(json::RequireString(item, "type", &type));
    if (type == "message.read") {
      OG_RETURN_IF_ERROR(
          AppendReadReceipts(item, site, settings_.name, received_at_ms, &result->events));
      continue;
    }
    Event& event = result->events.emplace_back();
    event.set_channel(omnigate::v1::CHANNEL_WEBCHAT);
    event.set_connector(settings_.name);
    event.set_account_id(site);
    OG_RETURN_IF_ERROR(FillEvent(item, site, received_at_ms, &event));
  }
  return absl::OkStatus();
}

}  // namespace omnigate::channels
