#include "lib/channels/telegram_message.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"

namespace omnigate::channels::telegram {
namespace {

using json::Value;
using omnigate::v1::Event;
using omnigate::v1::MediaItem;

// Keys of a Message that describe it rather than carry its content.
bool IsEnvelopeKey(absl::string_view key) {
  static const char* const kEnvelope[] = {"message_id",
                                          "message_thread_id",
                                          "from",
                                          "sender_chat",
                                          "chat",
                                          "date",
                                          "edit_date",
                                          "reply_to_message",
                                          "entities",
                                          "caption_entities",
                                          "forward_origin",
                                          "forward_from",
                                          "forward_date",
                                          "is_topic_message",
                                          "has_protected_content",
                                          "author_signature",
                                          "via_bot",
                                          "media_group_id",
                                          "reply_markup",
                                          "link_preview_options",
                                          "business_connection_id",
                                          "sender_business_bot",
                                          "is_automatic_forward",
                                          "quote",
                                          "external_reply",
                                          "has_media_spoiler",
                                          "show_caption_above_media",
                                          "sender_boost_count",
                                          "is_from_offline",
                                          "effect_id",
                                          "caption"};
  for (const char* envelope : kEnvelope) {
    if (key == envelope) return true;
  }
  return false;
}

absl::Status FillFile(const Value& file, MediaItem::Kind kind, MediaItem* item) {
  item->set_kind(kind);
  OG_RETURN_IF_ERROR(json::RequireString(file, "file_id", item->mutable_media_id()));
  OG_RETURN_IF_ERROR(json::GetString(file, "mime_type", item->mutable_mime_type()));
  OG_RETURN_IF_ERROR(json::GetString(file, "file_name", item->mutable_file_name()));
  int64_t size = 0, duration = 0;
  OG_RETURN_IF_ERROR(json::GetInt64(file, "file_size", &size));
  OG_RETURN_IF_ERROR(json::GetInt64(file, "duration", &duration));
  if (size < 0 || duration < 0) return Malformed("integer_out_of_range:file_size");
  item->set_size_bytes(static_cast<uint64_t>(size));
  item->set_duration_ms(static_cast<uint32_t>(std::min<int64_t>(duration, 4000000) * 1000));
  return absl::OkStatus();
}

// The biggest of a photo's sizes: the original as Telegram stores it.
const Value* LargestPhoto(const Value& sizes) {
  const Value* best = nullptr;
  int64_t best_area = -1;
  for (const Value& size : sizes.GetArray()) {
    if (!size.IsObject()) continue;
    int64_t width = 0, height = 0;
    if (!json::GetInt64(size, "width", &width).ok() ||
        !json::GetInt64(size, "height", &height).ok())
      continue;
    if (width * height >= best_area) {
      best_area = width * height;
      best = &size;
    }
  }
  return best;
}

// One file under `key` (document, voice, ...) with the message's caption.
absl::Status FillMedia(const Value& message, const char* key, MediaItem::Kind kind,
                       const std::string& caption, Event* event) {
  const Value* file = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(message, key, &file));
  auto* payload = event->mutable_media();
  payload->set_caption(caption);
  return FillFile(*file, kind, payload->add_items());
}

absl::Status FillPhoto(const Value& photo, const std::string& caption, Event* event) {
  if (!photo.IsArray()) return Malformed("schema_type_mismatch:photo");
  const Value* largest = LargestPhoto(photo);
  if (largest == nullptr) return Malformed("missing_required_field:photo");
  auto* payload = event->mutable_media();
  payload->set_caption(caption);
  return FillFile(*largest, MediaItem::KIND_IMAGE, payload->add_items());
}

absl::Status FillSticker(const Value& message, const Value& sticker, const std::string& caption,
                         Event* event) {
  OG_RETURN_IF_ERROR(FillMedia(message, "sticker", MediaItem::KIND_STICKER, caption, event));
  MediaItem* item = event->mutable_media()->mutable_items(0);
  bool is_video = false, is_animated = false;
  OG_RETURN_IF_ERROR(json::GetBool(sticker, "is_video", &is_video));
  OG_RETURN_IF_ERROR(json::GetBool(sticker, "is_animated", &is_animated));
  // Telegram sends no MIME type for stickers; the kind fixes the format.
  item->set_mime_type(is_video      ? "video/webm"
                      : is_animated ? "application/x-tgsticker"
                                    : "image/webp");
  item->set_animated(is_video || is_animated);
  std::string emoji;
  OG_RETURN_IF_ERROR(json::GetString(sticker, "emoji", &emoji));
  if (!emoji.empty()) (*event->mutable_attributes())["emoji"] = emoji;
  return absl::OkStatus();
}

absl::Status FillLocation(const Value& message, const Value& location, Event* event) {
  OG_RETURN_IF_ERROR(json::ExpectObject(&location, "location"));
  auto* out = event->mutable_location();
  double latitude = 0, longitude = 0;
  OG_RETURN_IF_ERROR(json::GetDouble(location, "latitude", &latitude));
  OG_RETURN_IF_ERROR(json::GetDouble(location, "longitude", &longitude));
  out->set_latitude(latitude);
  out->set_longitude(longitude);
  if (const Value* venue = json::Find(message, "venue"); venue != nullptr && venue->IsObject()) {
    OG_RETURN_IF_ERROR(json::GetString(*venue, "title", out->mutable_name()));
    OG_RETURN_IF_ERROR(json::GetString(*venue, "address", out->mutable_address()));
  }
  return absl::OkStatus();
}

absl::Status FillContact(const Value& contact, Event* event) {
  OG_RETURN_IF_ERROR(json::ExpectObject(&contact, "contact"));
  auto* card = event->mutable_contacts()->add_contacts();
  OG_RETURN_IF_ERROR(json::GetString(contact, "first_name", card->mutable_first_name()));
  OG_RETURN_IF_ERROR(json::GetString(contact, "last_name", card->mutable_last_name()));
  card->set_formatted_name(card->last_name().empty()
                               ? card->first_name()
                               : absl::StrCat(card->first_name(), " ", card->last_name()));
  auto* phone = card->add_phones();
  OG_RETURN_IF_ERROR(json::GetString(contact, "phone_number", phone->mutable_number()));
  OG_RETURN_IF_ERROR(json::GetId(contact, "user_id", phone->mutable_channel_user_id()));
  return absl::OkStatus();
}

// Polls, dice, service messages and kinds added later: kept, named.
void FillUnsupported(const Value& message, Event* event) {
  std::string type_name = "message";
  for (const auto& member : message.GetObject()) {
    const absl::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (!IsEnvelopeKey(key)) {
      type_name = std::string(key);
      break;
    }
  }
  event->mutable_unsupported()->set_type_name(type_name);
  event->mutable_unsupported()->set_raw(json::Serialize(message));
}

}  // namespace

absl::Status FillMessageContent(const Value& message, Event* event) {
  std::string caption;
  OG_RETURN_IF_ERROR(json::GetString(message, "caption", &caption));
  if (const Value* text = json::Find(message, "text")) {
    if (!text->IsString()) return Malformed("schema_type_mismatch:text");
    event->mutable_text()->set_body(text->GetString(), text->GetStringLength());
    return absl::OkStatus();
  }
  if (const Value* photo = json::Find(message, "photo")) return FillPhoto(*photo, caption, event);
  // An animation also carries a `document` for old clients: check it first.
  if (json::Find(message, "animation") != nullptr) {
    OG_RETURN_IF_ERROR(FillMedia(message, "animation", MediaItem::KIND_VIDEO, caption, event));
    event->mutable_media()->mutable_items(0)->set_animated(true);
    return absl::OkStatus();
  }
  static const std::pair<const char*, MediaItem::Kind> kFiles[] = {
      {"document", MediaItem::KIND_DOCUMENT},
      {"voice", MediaItem::KIND_VOICE},
      {"audio", MediaItem::KIND_AUDIO},
      {"video", MediaItem::KIND_VIDEO},
      {"video_note", MediaItem::KIND_VIDEO}};
  for (const auto& [key, kind] : kFiles) {
    if (json::Find(message, key)) return FillMedia(message, key, kind, caption, event);
  }
  if (const Value* sticker = json::Find(message, "sticker")) {
    return FillSticker(message, *sticker, caption, event);
  }
  if (const Value* location = json::Find(message, "location")) {
    return FillLocation(message, *location, event);
  }
  if (const Value* contact = json::Find(message, "contact")) return FillContact(*contact, event);
  FillUnsupported(message, event);
  return absl::OkStatus();
}

}  // namespace omnigate::channels::telegram
