#include "lib/channels/meta_messaging_item.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/channels/event_fields.h"
#include "lib/common/encoding.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"
#include "lib/crypto/hmac.h"

namespace omnigate::channels::meta {
namespace {

using json::Value;
using omnigate::v1::Event;
using omnigate::v1::MediaItem;

// Real deliveries carry milliseconds; test sends carry seconds, sometimes
// as strings. Anything below 1e11 cannot be milliseconds since 1973.
absl::Status ReadTimestamp(const Value& item, int64_t received_at_ms, Event* event) {
  int64_t value = 0;
  OG_RETURN_IF_ERROR(json::GetInt64(item, "timestamp", &value));
  if (value > 0 && value < 100000000000LL) value *= 1000;
  SetSentAt(value, received_at_ms, event);
  return absl::OkStatus();
}

// A participant id: "id", or "user_ref:<ref>" for chat-plugin guests.
absl::Status ReadParticipant(const Value& item, const char* key, std::string* id) {
  const Value* who = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(item, key, &who));
  OG_RETURN_IF_ERROR(json::GetId(*who, "id", id));
  if (id->empty()) {
    std::string ref;
    OG_RETURN_IF_ERROR(json::GetString(*who, "user_ref", &ref));
    if (!ref.empty()) *id = absl::StrCat("user_ref:", ref);
  }
  if (id->empty()) return Malformed(absl::StrCat("missing_required_field:", key, ".id"));
  return absl::OkStatus();
}

MediaItem::Kind KindOf(absl::string_view type) {
  if (type == "image") return MediaItem::KIND_IMAGE;
  if (type == "video" || type == "ig_reel" || type == "reel") return MediaItem::KIND_VIDEO;
  if (type == "audio") return MediaItem::KIND_AUDIO;
  if (type == "file") return MediaItem::KIND_DOCUMENT;
  if (type == "story_mention") return MediaItem::KIND_IMAGE;
  return MediaItem::KIND_UNSPECIFIED;
}

// reply_to{mid, story{id, url}}: the message or story answered.
absl::Status ReadReplyTo(const Value& message, Event* event) {
  const Value* reply_to = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(message, "reply_to", &reply_to));
  if (reply_to == nullptr) return absl::OkStatus();
  OG_RETURN_IF_ERROR(json::GetString(*reply_to, "mid", event->mutable_reply_to_external_id()));
  const Value* story = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(*reply_to, "story", &story));
  if (story != nullptr) {
    auto& attributes = *event->mutable_attributes();
    OG_RETURN_IF_ERROR(json::GetId(*story, "id", &attributes["reply_to_story_id"]));
    OG_RETURN_IF_ERROR(json::GetString(*story, "url", &attributes["reply_to_story_url"]));
  }
  return absl::OkStatus();
}

absl::Status FillLocation(const Value& attachment, const Value& payload, Event* event) {
  auto* location = event->mutable_location();
  const Value* coordinates = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(payload, "coordinates", &coordinates));
  if (coordinates != nullptr) {
    double latitude = 0, longitude = 0;
    OG_RETURN_IF_ERROR(json::GetDouble(*coordinates, "lat", &latitude));
    OG_RETURN_IF_ERROR(json::GetDouble(*coordinates, "long", &longitude));
    location->set_latitude(latitude);
    location->set_longitude(longitude);
  }
  OG_RETURN_IF_ERROR(json::GetString(attachment, "title", location->mutable_name()));
  return json::GetString(payload, "url", location->mutable_url());
}

// A shared link: the text with its preview. Sets `*filled` when there was a
// link to show.
absl::Status FillLink(const std::string& type, const Value& payload, const std::string& text,
                      Event* event, bool* filled) {
  std::string url, title;
  OG_RETURN_IF_ERROR(json::GetString(payload, "url", &url));
  OG_RETURN_IF_ERROR(json::GetString(payload, "title", &title));
  if (url.empty()) return absl::OkStatus();
  auto& attributes = *event->mutable_attributes();
  event->mutable_text()->set_body(text.empty() ? url : text);
  event->mutable_text()->set_preview_url(url);
  if (!title.empty()) attributes["link_title"] = title;
  if (type == "share") attributes["share"] = "true";
  *filled = true;
  return absl::OkStatus();
}

absl::Status AddMediaItem(const std::string& type, MediaItem::Kind kind, const Value& payload,
                          Event* event) {
  MediaItem* item = event->mutable_media()->add_items();
  item->set_kind(kind);
  OG_RETURN_IF_ERROR(json::GetString(payload, "url", item->mutable_url()));
  OG_RETURN_IF_ERROR(json::GetString(payload, "title", item->mutable_caption()));
  std::string sticker;
  OG_RETURN_IF_ERROR(json::GetId(payload, "sticker_id", &sticker));
  if (!sticker.empty()) {
    item->set_kind(MediaItem::KIND_STICKER);
    item->set_media_id(sticker);
  }
  if (type == "story_mention") (*event->mutable_attributes())["story_mention"] = "true";
  return absl::OkStatus();
}

// Adds the attachments as media, or sets `*filled` when one of them (a
// location, a link) is the whole payload. Remembers the first type not
// modelled.
absl::Status FillAttachments(const Value& attachments, const std::string& text, Event* event,
                             bool* filled, std::string* first_unknown) {
  for (const Value& attachment : attachments.GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&attachment, "attachments[]"));
    std::string type;
    OG_RETURN_IF_ERROR(json::RequireString(attachment, "type", &type));
    const Value* payload = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(attachment, "payload", &payload));
    if (type == "location" && payload != nullptr) {
      *filled = true;
      return FillLocation(attachment, *payload, event);
    }
    if ((type == "fallback" || type == "share") && payload != nullptr) {
      OG_RETURN_IF_ERROR(FillLink(type, *payload, text, event, filled));
      if (*filled) return absl::OkStatus();
    }
    const MediaItem::Kind kind = KindOf(type);
    if (kind == MediaItem::KIND_UNSPECIFIED || payload == nullptr) {
      if (first_unknown->empty()) *first_unknown = type;
      continue;
    }
    OG_RETURN_IF_ERROR(AddMediaItem(type, kind, *payload, event));
  }
  return absl::OkStatus();
}

// message{mid, text, attachments, quick_reply, reply_to, is_echo, ...}.
absl::Status FillMessage(const Value& message, const ItemContext& context, Event* event) {
  std::string text;
  OG_RETURN_IF_ERROR(json::GetString(message, "text", &text));
  OG_RETURN_IF_ERROR(ReadReplyTo(message, event));
  bool deleted = false, unsupported = false;
  OG_RETURN_IF_ERROR(json::GetBool(message, "is_deleted", &deleted));
  OG_RETURN_IF_ERROR(json::GetBool(message, "is_unsupported", &unsupported));
  if (deleted) {
    // Instagram unsend: applied downstream, keyed apart from the original.
    event->mutable_delete_()->set_target_external_id(event->external_id());
    event->set_idempotency_key(
        absl::StrCat(context.channel_name, ":delete:", event->external_id()));
    return absl::OkStatus();
  }
  const Value* quick_reply = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(message, "quick_reply", &quick_reply));
  if (quick_reply != nullptr) {
    auto* reply = event->mutable_interactive();
    reply->set_type(omnigate::v1::InteractiveReply::TYPE_QUICK_REPLY);
    OG_RETURN_IF_ERROR(json::GetString(*quick_reply, "payload", reply->mutable_id()));
    reply->set_title(text);
    return absl::OkStatus();
  }
  const Value* attachments = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(message, "attachments", &attachments));
  std::string first_unknown;
  if (attachments != nullptr) {
    bool filled = false;
    OG_RETURN_IF_ERROR(FillAttachments(*attachments, text, event, &filled, &first_unknown));
    if (filled) return absl::OkStatus();
  }
  if (event->has_media()) {
    event->mutable_media()->set_caption(text);
    return absl::OkStatus();
  }
  if (!text.empty()) {
    event->mutable_text()->set_body(text);
    return absl::OkStatus();
  }
  // Nothing we model: kept with its type, never dropped.
  event->mutable_unsupported()->set_type_name(unsupported             ? "unsupported"
                                              : first_unknown.empty() ? "message"
                                                                      : first_unknown);
  event->mutable_unsupported()->set_raw(json::Serialize(message));
  return absl::OkStatus();
}

// Who one item is between, and what its events' keys share.
struct ItemScope {
  std::string sender;
  std::string recipient;
  // An echo is the business writing to the customer: the thread is still
  // the customer's.
  bool echo = false;
  std::string business;
  std::string customer;
  std::string prefix;  // channel name
  std::string when;    // sent_at_ms, for keys of items without an id
};

// Reads the participants, and the message when the item is one.
absl::Status ReadScope(const Value& item, const ItemContext& context, ItemScope* scope,
                       const Value** message) {
  OG_RETURN_IF_ERROR(ReadParticipant(item, "sender", &scope->sender));
  OG_RETURN_IF_ERROR(ReadParticipant(item, "recipient", &scope->recipient));
  OG_RETURN_IF_ERROR(json::GetObject(item, "message", message));
  if (*message != nullptr) OG_RETURN_IF_ERROR(json::GetBool(**message, "is_echo", &scope->echo));
  scope->business = scope->echo ? scope->sender : scope->recipient;
  scope->customer = scope->echo ? scope->recipient : scope->sender;
  scope->prefix = context.channel_name;
  return absl::OkStatus();
}

// What every event of the item starts from; also sets `scope->when`.
absl::Status NewBaseEvent(const Value& item, const ItemContext& context, ItemScope* scope,
                          Event* base) {
  base->set_channel(context.channel);
  base->set_connector(context.connector);
  base->set_account_id(scope->business);
  base->set_conversation_key(
      absl::StrCat(scope->prefix, ":", scope->business, ":", scope->customer));
  if (context.standby) (*base->mutable_attributes())["standby"] = "true";
  OG_RETURN_IF_ERROR(ReadTimestamp(item, context.received_at_ms, base));
  scope->when = absl::StrCat(base->sent_at_ms());
  return absl::OkStatus();
}

// An event written by the item's sender (the customer, or the business when
// echoed).
Event AsCustomer(const Event& base, const ItemScope& scope) {
  Event event = base;
  event.mutable_sender()->set_id(scope.sender);
  event.mutable_sender()->set_role(scope.echo ? omnigate::v1::ROLE_BUSINESS
                                              : omnigate::v1::ROLE_CUSTOMER);
  event.mutable_recipient()->set_id(scope.recipient);
  event.mutable_recipient()->set_role(scope.echo ? omnigate::v1::ROLE_CUSTOMER
                                                 : omnigate::v1::ROLE_BUSINESS);
  return event;
}

// Receipts describe the business's outbound message.
Event AsStatus(const Event& base, const ItemScope& scope, omnigate::v1::Status::State state,
               const std::string& mid) {
  Event event = base;
  event.mutable_sender()->set_id(scope.business);
  event.mutable_sender()->set_role(omnigate::v1::ROLE_SYSTEM);
  event.mutable_recipient()->set_id(scope.customer);
  event.mutable_recipient()->set_role(omnigate::v1::ROLE_CUSTOMER);
  event.set_external_id(mid);
  auto* status = event.mutable_status();
  status->set_state(state);
  status->set_target_external_id(mid);
  status->set_recipient_id(scope.customer);
  return event;
}

absl::Status AppendMessage(const Value& message, const ItemContext& context, const ItemScope& scope,
                           const Event& base, std::vector<Event>* events) {
  Event event = AsCustomer(base, scope);
  event.set_is_echo(scope.echo);
  OG_RETURN_IF_ERROR(json::RequireString(message, "mid", event.mutable_external_id()));
  event.set_idempotency_key(absl::StrCat(scope.prefix, ":msg:", event.external_id()));
  OG_RETURN_IF_ERROR(FillMessage(message, context, &event));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status AppendPostback(const Value& postback, const ItemScope& scope, const Event& base,
                            std::vector<Event>* events) {
  Event event = AsCustomer(base, scope);
  auto* out = event.mutable_postback();
  OG_RETURN_IF_ERROR(json::GetString(postback, "payload", out->mutable_payload()));
  OG_RETURN_IF_ERROR(json::GetString(postback, "title", out->mutable_title()));
  OG_RETURN_IF_ERROR(json::GetString(postback, "mid", event.mutable_external_id()));
  const Value* referral = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(postback, "referral", &referral));
  if (referral != nullptr) {
    for (const auto& field : referral->GetObject()) {
      if (field.value.IsString())
        (*out->mutable_params())[field.name.GetString()] = field.value.GetString();
    }
  }
  event.set_idempotency_key(
      event.external_id().empty()
          ? absl::StrCat(scope.prefix, ":postback:", scope.customer, ":", scope.when)
          : absl::StrCat(scope.prefix, ":msg:", event.external_id()));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status AppendReaction(const Value& reaction, const ItemScope& scope, const Event& base,
                            std::vector<Event>* events) {
  Event event = AsCustomer(base, scope);
  auto* out = event.mutable_reaction();
  std::string action, name;
  OG_RETURN_IF_ERROR(json::RequireString(reaction, "mid", out->mutable_target_external_id()));
  OG_RETURN_IF_ERROR(json::GetString(reaction, "action", &action));
  OG_RETURN_IF_ERROR(json::GetString(reaction, "emoji", out->mutable_emoji()));
  OG_RETURN_IF_ERROR(json::GetString(reaction, "reaction", &name));
  out->set_action(action == "unreact" ? omnigate::v1::Reaction::ACTION_UNREACT
                                      : omnigate::v1::Reaction::ACTION_REACT);
  if (!name.empty()) (*event.mutable_attributes())["reaction"] = name;
  event.set_reply_to_external_id(out->target_external_id());
  // A reaction has no id of its own; removal and re-adding reuse the
  // target, so the action and time keep each one distinct.
  event.set_idempotency_key(absl::StrCat(scope.prefix, ":reaction:", out->target_external_id(), ":",
                                         scope.sender, ":", action.empty() ? "react" : action, ":",
                                         scope.when));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status AppendRead(const Value& read, const ItemScope& scope, const Event& base,
                        std::vector<Event>* events) {
  std::string mid, watermark;
  OG_RETURN_IF_ERROR(json::GetString(read, "mid", &mid));
  OG_RETURN_IF_ERROR(json::GetId(read, "watermark", &watermark));
  Event event = AsStatus(base, scope, omnigate::v1::Status::STATE_READ, mid);
  if (!mid.empty()) {
    event.set_idempotency_key(absl::StrCat(scope.prefix, ":status:", mid, ":read"));
  } else {
    // Messenger reads cover everything up to a watermark time.
    (*event.mutable_attributes())["watermark"] = watermark;
    event.set_idempotency_key(absl::StrCat(scope.prefix, ":read:", scope.customer, ":", watermark));
  }
  events->push_back(std::move(event));
  return absl::OkStatus();
}

// One status per delivered mid, or one up to the watermark when none is named.
absl::Status AppendDeliveries(const Value& delivery, const ItemScope& scope, const Event& base,
                              std::vector<Event>* events) {
  const Value* mids = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(delivery, "mids", &mids));
  std::string watermark;
  OG_RETURN_IF_ERROR(json::GetId(delivery, "watermark", &watermark));
  if (mids == nullptr || mids->Empty()) {
    Event event = AsStatus(base, scope, omnigate::v1::Status::STATE_DELIVERED, "");
    (*event.mutable_attributes())["watermark"] = watermark;
    event.set_idempotency_key(
        absl::StrCat(scope.prefix, ":delivered:", scope.customer, ":", watermark));
    events->push_back(std::move(event));
    return absl::OkStatus();
  }
  for (const Value& mid : mids->GetArray()) {
    if (!mid.IsString()) return Malformed("schema_type_mismatch:mids");
    Event event = AsStatus(base, scope, omnigate::v1::Status::STATE_DELIVERED, mid.GetString());
    event.set_idempotency_key(
        absl::StrCat(scope.prefix, ":status:", mid.GetString(), ":delivered"));
    events->push_back(std::move(event));
  }
  return absl::OkStatus();
}

absl::Status AppendEdit(const Value& edit, const ItemScope& scope, const Event& base,
                        std::vector<Event>* events) {
  Event event = AsCustomer(base, scope);
  auto* out = event.mutable_edit();
  std::string count;
  OG_RETURN_IF_ERROR(json::RequireString(edit, "mid", out->mutable_target_external_id()));
  OG_RETURN_IF_ERROR(json::GetString(edit, "text", out->mutable_body()));
  OG_RETURN_IF_ERROR(json::GetId(edit, "num_edit", &count));
  event.set_external_id(out->target_external_id());
  event.set_idempotency_key(absl::StrCat(scope.prefix, ":edit:", out->target_external_id(), ":",
                                         count.empty() ? scope.when : count));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

// Referrals, opt-ins, handover and kinds added later: kept by name, keyed
// by content since they carry no id.
void AppendUnsupported(const Value& item, const ItemScope& scope, const Event& base,
                       std::vector<Event>* events) {
  Event event = AsCustomer(base, scope);
  std::string type = "messaging";
  for (const auto& member : item.GetObject()) {
    const absl::string_view key(member.name.GetString());
    if (key != "sender" && key != "recipient" && key != "timestamp") {
      type = std::string(key);
      break;
    }
  }
  const std::string raw = json::Serialize(item);
  event.set_idempotency_key(absl::StrCat(scope.prefix, ":event:", HexEncode(crypto::Sha256(raw))));
  event.mutable_unsupported()->set_type_name(type);
  event.mutable_unsupported()->set_raw(raw);
  events->push_back(std::move(event));
}

}  // namespace

absl::Status NormalizeMessagingItem(const Value& item, const ItemContext& context,
                                    std::vector<Event>* events) {
  ItemScope scope;
  const Value* message = nullptr;
  OG_RETURN_IF_ERROR(ReadScope(item, context, &scope, &message));
  Event base;
  OG_RETURN_IF_ERROR(NewBaseEvent(item, context, &scope, &base));
  if (message != nullptr) return AppendMessage(*message, context, scope, base, events);
  using Append =
      absl::Status (*)(const Value&, const ItemScope&, const Event&, std::vector<Event>*);
  static const std::pair<const char*, Append> kKinds[] = {{"postback", AppendPostback},
                                                          {"reaction", AppendReaction},
                                                          {"read", AppendRead},
                                                          {"delivery", AppendDeliveries},
                                                          {"message_edit", AppendEdit}};
  for (const auto& [key, append] : kKinds) {
    if (const Value* found = json::Find(item, key)) {
      OG_RETURN_IF_ERROR(json::ExpectObject(found, key));
      return append(*found, scope, base, events);
    }
  }
  AppendUnsupported(item, scope, base, events);
  return absl::OkStatus();
}

}  // namespace omnigate::channels::meta
