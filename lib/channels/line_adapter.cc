#include "lib/channels/line_adapter.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/channels/event_fields.h"
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
  MediaItem* item = event->mutable_media()->add_items();
  item->set_kind(kind);
  item->set_media_id(event->external_id());
  const Value* provider = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(message, "contentProvider", &provider));
  if (provider != nullptr) {
    std::string type;
    OG_RETURN_IF_ERROR(json::GetString(*provider, "type", &type));
    // "external": the sender's own server hosts it; "line": fetch by id.
    if (type == "external") {
      OG_RETURN_IF_ERROR(json::GetString(*provider, "originalContentUrl", item->mutable_url()));
    }
  }
  OG_RETURN_IF_ERROR(json::GetString(message, "fileName", item->mutable_file_name()));
  int64_t size = 0, duration = 0;
  OG_RETURN_IF_ERROR(json::GetInt64(message, "fileSize", &size));
  OG_RETURN_IF_ERROR(json::GetInt64(message, "duration", &duration));
  if (size < 0 || duration < 0 || duration > UINT32_MAX) {
    return Malformed("integer_out_of_range:fileSize");
  }
  item->set_size_bytes(static_cast<uint64_t>(size));
  item->set_duration_ms(static_cast<uint32_t>(duration));
  const Value* image_set = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(message, "imageSet", &image_set));
  if (image_set != nullptr) {
    // Images sent together arrive as separate events sharing a set id.
    auto& attributes = *event->mutable_attributes();
    std::string id;
    int64_t index = 0, total = 0;
    OG_RETURN_IF_ERROR(json::GetString(*image_set, "id", &id));
    OG_RETURN_IF_ERROR(json::GetInt64(*image_set, "index", &index));
    OG_RETURN_IF_ERROR(json::GetInt64(*image_set, "total", &total));
    attributes["image_set_id"] = id;
    attributes["image_set_index"] = absl::StrCat(index);
    attributes["image_set_total"] = absl::StrCat(total);
  }
  return absl::OkStatus();
}

absl::Status FillText(const Value& message, Event* event) {
  OG_RETURN_IF_ERROR(json::GetString(message, "text", event->mutable_text()->mutable_body()));
  const Value* emojis = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(message, "emojis", &emojis));
  if (emojis != nullptr && !emojis->Empty()) {
    // LINE emojis appear in the text as "(name)" placeholders.
    (*event->mutable_attributes())["line_emojis"] = absl::StrCat(emojis->Size());
  }
  return absl::OkStatus();
}

absl::Status FillLocation(const Value& message, Event* event) {
  auto* location = event->mutable_location();
  double latitude = 0, longitude = 0;
  OG_RETURN_IF_ERROR(json::GetDouble(message, "latitude", &latitude));
  OG_RETURN_IF_ERROR(json::GetDouble(message, "longitude", &longitude));
  location->set_latitude(latitude);
  location->set_longitude(longitude);
  OG_RETURN_IF_ERROR(json::GetString(message, "title", location->mutable_name()));
  return json::GetString(message, "address", location->mutable_address());
}

absl::Status FillSticker(const Value& message, Event* event) {
  std::string package, sticker;
  OG_RETURN_IF_ERROR(json::GetId(message, "packageId", &package));
  OG_RETURN_IF_ERROR(json::RequireId(message, "stickerId", &sticker));
  auto* media = event->mutable_media();
  MediaItem* item = media->add_items();
  item->set_kind(MediaItem::KIND_STICKER);
  item->set_media_id(absl::StrCat(package, "/", sticker));
  std::string resource;
  OG_RETURN_IF_ERROR(json::GetString(message, "stickerResourceType", &resource));
  item->set_animated(resource == "ANIMATION" || resource == "ANIMATION_SOUND" ||
                     resource == "POPUP" || resource == "POPUP_SOUND");
  // "Message stickers" carry text the user typed onto them.
  OG_RETURN_IF_ERROR(json::GetString(message, "text", media->mutable_caption()));
  const Value* keywords = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(message, "keywords", &keywords));
  if (keywords != nullptr) {
    std::vector<std::string> words;
    for (const Value& word : keywords->GetArray()) {
      if (word.IsString()) words.emplace_back(word.GetString(), word.GetStringLength());
    }
    (*event->mutable_attributes())["sticker_keywords"] = absl::StrJoin(words, ",");
  }
  return absl::OkStatus();
}

absl::Status FillMessage(const Value& message, Event* event) {
  std::string type;
  OG_RETURN_IF_ERROR(json::RequireString(message, "type", &type));
  OG_RETURN_IF_ERROR(json::RequireId(message, "id", event->mutable_external_id()));
  OG_RETURN_IF_ERROR(
      json::GetString(message, "quotedMessageId", event->mutable_reply_to_external_id()));
  if (type == "text") return FillText(message, event);
  if (type == "image") return FillMedia(message, MediaItem::KIND_IMAGE, event);
  if (type == "video") return FillMedia(message, MediaItem::KIND_VIDEO, event);
  if (type == "audio") return FillMedia(message, MediaItem::KIND_AUDIO, event);
  if (type == "file") return FillMedia(message, MediaItem::KIND_DOCUMENT, event);
  if (type == "location") return FillLocation(message, event);
  if (type == "sticker") return FillSticker(message, event);
  event->mutable_unsupported()->set_type_name(absl::StrCat("message:", type));
  event->mutable_unsupported()->set_raw(json::Serialize(message));
  return absl::OkStatus();
}

ConversationEvent::Kind LifecycleKind(absl::string_view type) {
  if (type == "follow") return ConversationEvent::KIND_FOLLOW;
  if (type == "unfollow") return ConversationEvent::KIND_UNFOLLOW;
  if (type == "join" || type == "memberJoined") return ConversationEvent::KIND_JOIN;
  if (type == "leave" || type == "memberLeft") return ConversationEvent::KIND_LEAVE;
  return ConversationEvent::KIND_UNSPECIFIED;
}

// Who and where: a user 1:1, or a group/room with the user inside it.
struct Source {
  std::string user_id;
  std::string thread_id;
};

absl::Status ReadSource(const Value& item, const std::string& destination, Source* out,
                        Event* event) {
  const Value* source = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(item, "source", &source));
  std::string source_type;
  OG_RETURN_IF_ERROR(json::GetString(*source, "type", &source_type));
  OG_RETURN_IF_ERROR(json::GetString(*source, "userId", &out->user_id));
  if (source_type == "group") {
    OG_RETURN_IF_ERROR(json::RequireString(*source, "groupId", &out->thread_id));
  } else if (source_type == "room") {
    OG_RETURN_IF_ERROR(json::RequireString(*source, "roomId", &out->thread_id));
  } else {
    if (out->user_id.empty()) return Malformed("missing_required_field:userId");
    out->thread_id = out->user_id;
  }
  if (source_type == "group" || source_type == "room") {
    (*event->mutable_attributes())["source_type"] = source_type;
  }
  event->set_conversation_key(absl::StrCat("line:", destination, ":", out->thread_id));
  event->mutable_sender()->set_id(out->user_id.empty() ? out->thread_id : out->user_id);
  event->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  return absl::OkStatus();
}

// Reply token, standby mode and redelivery: how the event may be answered.
absl::Status ReadDelivery(const Value& item, Event* event) {
  auto& attributes = *event->mutable_attributes();
  std::string reply_token, mode;
  OG_RETURN_IF_ERROR(json::GetString(item, "replyToken", &reply_token));
  // Bots answer through the reply token (valid about a minute, free of
  // charge), so it travels with the event.
  if (!reply_token.empty()) attributes["reply_token"] = reply_token;
  OG_RETURN_IF_ERROR(json::GetString(item, "mode", &mode));
  if (mode == "standby") attributes["standby"] = "true";
  const Value* delivery = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(item, "deliveryContext", &delivery));
  if (delivery != nullptr) {
    bool redelivery = false;
    OG_RETURN_IF_ERROR(json::GetBool(*delivery, "isRedelivery", &redelivery));
    if (redelivery) attributes["redelivery"] = "true";
  }
  return absl::OkStatus();
}

absl::Status FillPostback(const Value& item, Event* event) {
  const Value* postback = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(item, "postback", &postback));
  auto* out = event->mutable_postback();
  OG_RETURN_IF_ERROR(json::GetString(*postback, "data", out->mutable_payload()));
  const Value* params = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(*postback, "params", &params));
  if (params != nullptr) {
    // Picker values are local times without an offset: kept verbatim.
    for (const auto& param : params->GetObject()) {
      (*out->mutable_params())[param.name.GetString()] =
          param.value.IsString() ? param.value.GetString() : json::Serialize(param.value);
    }
  }
  return absl::OkStatus();
}

// Sets the payload by the event's type.
absl::Status FillPayload(const Value& item, const std::string& type, Event* event) {
  if (type == "message") {
    const Value* message = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(item, "message", &message));
    return FillMessage(*message, event);
  }
  if (type == "postback") return FillPostback(item, event);
  if (type == "unsend") {
    const Value* unsend = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(item, "unsend", &unsend));
    return json::RequireString(*unsend, "messageId",
                               event->mutable_delete_()->mutable_target_external_id());
  }
  if (LifecycleKind(type) != ConversationEvent::KIND_UNSPECIFIED) {
    event->mutable_conversation()->set_kind(LifecycleKind(type));
    event->mutable_conversation()->set_reason(type);
    return absl::OkStatus();
  }
  event->mutable_unsupported()->set_type_name(type);
  event->mutable_unsupported()->set_raw(json::Serialize(item));
  return absl::OkStatus();
}

// webhookEventId is unique per event and kept across redeliveries.
void SetIdempotencyKey(const std::string& event_id, const std::string& type, const Source& source,
                       int64_t timestamp_ms, Event* event) {
  if (!event_id.empty()) {
    event->set_idempotency_key(absl::StrCat("line:event:", event_id));
  } else if (!event->external_id().empty()) {
    event->set_idempotency_key(absl::StrCat("line:msg:", event->external_id()));
  } else {
    event->set_idempotency_key(
        absl::StrCat("line:", type, ":", source.thread_id, ":", source.user_id, ":", timestamp_ms));
  }
}

absl::Status FillEvent(const Value& item, const std::string& destination, int64_t received_at_ms,
                       Event* event) {
  std::string type, event_id;
  OG_RETURN_IF_ERROR(json::RequireString(item, "type", &type));
  OG_RETURN_IF_ERROR(json::GetString(item, "webhookEventId", &event_id));
  int64_t timestamp_ms = 0;
  OG_RETURN_IF_ERROR(json::GetInt64(item, "timestamp", &timestamp_ms));
  SetSentAt(timestamp_ms, received_at_ms, event);
  Source source;
  OG_RETURN_IF_ERROR(ReadSource(item, destination, &source, event));
  OG_RETURN_IF_ERROR(ReadDelivery(item, event));
  OG_RETURN_IF_ERROR(FillPayload(item, type, event));
  SetIdempotencyKey(event_id, type, source, timestamp_ms, event);
  return absl::OkStatus();
}

}  // namespace

absl::Status LineAdapter::Authenticate(const InboundRequest& request) const {
  return VerifyMacHeader(request, "x-line-signature", "", MacEncoding::kBase64,
                         [&] { return crypto::HmacSha256(settings_.secret, request.body); });
}

absl::Status LineAdapter::Normalize(const InboundRequest& request, NormalizeResult* result) const {
  auto doc = json::ParseStrictObject(request.body);
  if (!doc.ok()) return doc.status();
  const Value& root = **doc;
  std::string destination;
  OG_RETURN_IF_ERROR(json::GetString(root, "destination", &destination));
  if (destination.empty()) destination = settings_.account_id;
  if (destination.empty()) return Malformed("missing_required_field:destination");
  const Value* events = nullptr;
  OG_RETURN_IF_ERROR(json::RequireArray(root, "events", &events));
  const int64_t received_at_ms = ReceiptTimeMs(request, clock_);

  for (const Value& item : events->GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&item, "events[]"));
    Event& event = result->events.emplace_back();
    event.set_channel(omnigate::v1::CHANNEL_LINE);
    event.set_connector(settings_.name);
    event.set_account_id(destination);
    event.mutable_recipient()->set_id(destination);
    event.mutable_recipient()->set_role(omnigate::v1::ROLE_BUSINESS);
    OG_RETURN_IF_ERROR(FillEvent(item, destination, received_at_ms, &event));
  }
  return absl::OkStatus();
}

}  // namespace omnigate::channels
