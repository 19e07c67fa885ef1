#include "lib/channels/telegram_adapter.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/channels/signature.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"
#include "lib/crypto/hmac.h"
#include "lib/json/strict_json.h"

namespace omnigate::channels {
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

// Sets the payload from a Message's content field.
absl::Status FillMessageContent(const Value& message, Event* event) {
  std::string caption;
  OG_RETURN_IF_ERROR(json::GetString(message, "caption", &caption));
  auto media = [&](MediaItem::Kind kind, const char* key) -> absl::Status {
    const Value* file = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(message, key, &file));
    auto* payload = event->mutable_media();
    payload->set_caption(caption);
    return FillFile(*file, kind, payload->add_items());
  };
  if (const Value* text = json::Find(message, "text")) {
    if (!text->IsString()) return Malformed("schema_type_mismatch:text");
    event->mutable_text()->set_body(text->GetString(), text->GetStringLength());
    return absl::OkStatus();
  }
  if (const Value* photo = json::Find(message, "photo")) {
    if (!photo->IsArray()) return Malformed("schema_type_mismatch:photo");
    const Value* largest = LargestPhoto(*photo);
    if (largest == nullptr) return Malformed("missing_required_field:photo");
    auto* payload = event->mutable_media();
    payload->set_caption(caption);
    return FillFile(*largest, MediaItem::KIND_IMAGE, payload->add_items());
  }
  // An animation also carries a `document` for old clients: check it first.
  if (json::Find(message, "animation") != nullptr) {
    OG_RETURN_IF_ERROR(media(MediaItem::KIND_VIDEO, "animation"));
    event->mutable_media()->mutable_items(0)->set_animated(true);
    return absl::OkStatus();
  }
  if (json::Find(message, "document")) return media(MediaItem::KIND_DOCUMENT, "document");
  if (json::Find(message, "voice")) return media(MediaItem::KIND_VOICE, "voice");
  if (json::Find(message, "audio")) return media(MediaItem::KIND_AUDIO, "audio");
  if (json::Find(message, "video")) return media(MediaItem::KIND_VIDEO, "video");
  if (json::Find(message, "video_note")) return media(MediaItem::KIND_VIDEO, "video_note");
  if (const Value* sticker = json::Find(message, "sticker")) {
    OG_RETURN_IF_ERROR(media(MediaItem::KIND_STICKER, "sticker"));
    MediaItem* item = event->mutable_media()->mutable_items(0);
    bool is_video = false, is_animated = false;
    OG_RETURN_IF_ERROR(json::GetBool(*sticker, "is_video", &is_video));
    OG_RETURN_IF_ERROR(json::GetBool(*sticker, "is_animated", &is_animated));
    // Telegram sends no MIME type for stickers; the kind fixes the format.
    item->set_mime_type(is_video      ? "video/webm"
                        : is_animated ? "application/x-tgsticker"
                                      : "image/webp");
    item->set_animated(is_video || is_animated);
    std::string emoji;
    OG_RETURN_IF_ERROR(json::GetString(*sticker, "emoji", &emoji));
    if (!emoji.empty()) (*event->mutable_attributes())["emoji"] = emoji;
    return absl::OkStatus();
  }
  if (const Value* location = json::Find(message, "location")) {
    OG_RETURN_IF_ERROR(json::ExpectObject(location, "location"));
    auto* out = event->mutable_location();
    double latitude = 0, longitude = 0;
    OG_RETURN_IF_ERROR(json::GetDouble(*location, "latitude", &latitude));
    OG_RETURN_IF_ERROR(json::GetDouble(*location, "longitude", &longitude));
    out->set_latitude(latitude);
    out->set_longitude(longitude);
    if (const Value* venue = json::Find(message, "venue"); venue != nullptr && venue->IsObject()) {
      OG_RETURN_IF_ERROR(json::GetString(*venue, "title", out->mutable_name()));
      OG_RETURN_IF_ERROR(json::GetString(*venue, "address", out->mutable_address()));
    }
    return absl::OkStatus();
  }
  if (const Value* contact = json::Find(message, "contact")) {
    OG_RETURN_IF_ERROR(json::ExpectObject(contact, "contact"));
    auto* card = event->mutable_contacts()->add_contacts();
    OG_RETURN_IF_ERROR(json::GetString(*contact, "first_name", card->mutable_first_name()));
    OG_RETURN_IF_ERROR(json::GetString(*contact, "last_name", card->mutable_last_name()));
    card->set_formatted_name(card->last_name().empty()
                                 ? card->first_name()
                                 : absl::StrCat(card->first_name(), " ", card->last_name()));
    auto* phone = card->add_phones();
    OG_RETURN_IF_ERROR(json::GetString(*contact, "phone_number", phone->mutable_number()));
    OG_RETURN_IF_ERROR(json::GetId(*contact, "user_id", phone->mutable_channel_user_id()));
    return absl::OkStatus();
  }
  // Polls, dice, service messages and kinds added later: kept, named.
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
  return absl::OkStatus();
}

// Telegram's User -> Participant.
absl::Status FillUser(const Value& user, omnigate::v1::Participant* participant, Event* event) {
  OG_RETURN_IF_ERROR(json::RequireId(user, "id", participant->mutable_id()));
  std::string first, last, language;
  OG_RETURN_IF_ERROR(json::GetString(user, "first_name", &first));
  OG_RETURN_IF_ERROR(json::GetString(user, "last_name", &last));
  OG_RETURN_IF_ERROR(json::GetString(user, "username", participant->mutable_username()));
  OG_RETURN_IF_ERROR(json::GetString(user, "language_code", &language));
  participant->set_display_name(last.empty() ? first : absl::StrCat(first, " ", last));
  bool is_bot = false;
  OG_RETURN_IF_ERROR(json::GetBool(user, "is_bot", &is_bot));
  participant->set_role(is_bot ? omnigate::v1::ROLE_BOT : omnigate::v1::ROLE_CUSTOMER);
  if (!language.empty() && event->locale().empty()) event->set_locale(language);
  return absl::OkStatus();
}

}  // namespace

absl::Status TelegramAdapter::Authenticate(const InboundRequest& request) const {
  std::optional<absl::string_view> token;
  if (request.headers != nullptr) token = request.headers->Get("x-telegram-bot-api-secret-token");
  if (!token || token->empty()) {
    return Unauthenticated("signature_missing", "X-Telegram-Bot-Api-Secret-Token header is absent");
  }
  if (!crypto::ConstantTimeEquals(*token, settings_.secret)) {
    return Unauthenticated("signature_mismatch", "X-Telegram-Bot-Api-Secret-Token is wrong");
  }
  return absl::OkStatus();
}

absl::Status TelegramAdapter::Normalize(const InboundRequest& request,
                                        NormalizeResult* result) const {
  auto doc = json::ParseStrictObject(request.body);
  if (!doc.ok()) return doc.status();
  const Value& update = **doc;
  std::string update_id;
  OG_RETURN_IF_ERROR(json::RequireId(update, "update_id", &update_id));
  const std::string bot = settings_.account_id.empty() ? settings_.name : settings_.account_id;
  const int64_t received_at_ms = ReceiptTimeMs(request, clock_);

  Event event;
  event.set_channel(omnigate::v1::CHANNEL_TELEGRAM);
  event.set_connector(settings_.name);
  event.set_account_id(bot);
  event.mutable_recipient()->set_id(bot);
  event.mutable_recipient()->set_role(omnigate::v1::ROLE_BUSINESS);
  (*event.mutable_attributes())["update_id"] = update_id;
  auto set_time = [&](const Value& object, const char* key) -> absl::Status {
    int64_t ms = 0;
    OG_RETURN_IF_ERROR(json::GetUnixSecondsAsMs(object, key, &ms));
    if (ms > 0) {
      event.set_sent_at_ms(ms);
      event.set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_PAYLOAD);
    } else {
      event.set_sent_at_ms(received_at_ms);
      event.set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
    }
    return absl::OkStatus();
  };
  auto chat_of = [&](const Value& object, std::string* chat_id) -> absl::Status {
    const Value* chat = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(object, "chat", &chat));
    OG_RETURN_IF_ERROR(json::RequireId(*chat, "id", chat_id));
    std::string type;
    OG_RETURN_IF_ERROR(json::GetString(*chat, "type", &type));
    if (!type.empty() && type != "private") (*event.mutable_attributes())["chat_type"] = type;
    event.set_conversation_key(absl::StrCat("telegram:", bot, ":", *chat_id));
    return absl::OkStatus();
  };

  for (const char* kind : {"message", "edited_message", "channel_post", "edited_channel_post",
                           "business_message", "edited_business_message"}) {
    const Value* message = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(update, kind, &message));
    if (message == nullptr) continue;
    std::string chat_id, message_id;
    OG_RETURN_IF_ERROR(chat_of(*message, &chat_id));
    OG_RETURN_IF_ERROR(json::RequireId(*message, "message_id", &message_id));
    event.set_external_id(absl::StrCat(chat_id, ":", message_id));
    const Value* from = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(*message, "from", &from));
    if (from != nullptr) {
      OG_RETURN_IF_ERROR(FillUser(*from, event.mutable_sender(), &event));
    } else {
      // Channel posts are signed by the channel itself.
      event.mutable_sender()->set_id(chat_id);
      event.mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
    }
    const Value* reply_to = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(*message, "reply_to_message", &reply_to));
    if (reply_to != nullptr) {
      std::string replied;
      OG_RETURN_IF_ERROR(json::RequireId(*reply_to, "message_id", &replied));
      event.set_reply_to_external_id(absl::StrCat(chat_id, ":", replied));
    }
    const absl::string_view kind_name(kind);
    if (absl::StartsWith(kind_name, "edited_")) {
      // An edit reuses the message id: keyed by edit time so each edit is
      // applied once, not dropped as a duplicate of the original.
      std::string edit_date;
      OG_RETURN_IF_ERROR(json::GetId(*message, "edit_date", &edit_date));
      OG_RETURN_IF_ERROR(
          set_time(*message, json::Find(*message, "edit_date") ? "edit_date" : "date"));
      Event content;
      OG_RETURN_IF_ERROR(FillMessageContent(*message, &content));
      auto* edit = event.mutable_edit();
      edit->set_target_external_id(event.external_id());
      edit->set_body(content.has_text()    ? content.text().body()
                     : content.has_media() ? content.media().caption()
                                           : "");
      event.set_idempotency_key(absl::StrCat("telegram:edit:", event.external_id(), ":",
                                             edit_date.empty() ? update_id : edit_date));
    } else {
      OG_RETURN_IF_ERROR(set_time(*message, "date"));
      OG_RETURN_IF_ERROR(FillMessageContent(*message, &event));
      event.set_idempotency_key(absl::StrCat("telegram:msg:", event.external_id()));
    }
    if (kind_name == "channel_post") (*event.mutable_attributes())["update_kind"] = "channel_post";
    result->events.push_back(std::move(event));
    return absl::OkStatus();
  }

  if (const Value* callback = json::Find(update, "callback_query")) {
    OG_RETURN_IF_ERROR(json::ExpectObject(callback, "callback_query"));
    std::string id;
    OG_RETURN_IF_ERROR(json::RequireId(*callback, "id", &id));
    const Value* from = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(*callback, "from", &from));
    OG_RETURN_IF_ERROR(FillUser(*from, event.mutable_sender(), &event));
    event.set_external_id(absl::StrCat("callback:", id));
    event.set_idempotency_key(absl::StrCat("telegram:callback:", id));
    auto* reply = event.mutable_interactive();
    reply->set_type(omnigate::v1::InteractiveReply::TYPE_CALLBACK_QUERY);
    OG_RETURN_IF_ERROR(json::GetString(*callback, "data", reply->mutable_id()));
    // The press has no time of its own; the keyboard message's date is when
    // it was sent, so receipt time it is.
    event.set_sent_at_ms(received_at_ms);
    event.set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
    const Value* message = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(*callback, "message", &message));
    if (message != nullptr) {
      std::string chat_id, message_id;
      OG_RETURN_IF_ERROR(chat_of(*message, &chat_id));
      OG_RETURN_IF_ERROR(json::RequireId(*message, "message_id", &message_id));
      event.set_reply_to_external_id(absl::StrCat(chat_id, ":", message_id));
      // The pressed button's label, found by its callback data.
      const Value* markup = json::Find(*message, "reply_markup");
      const Value* keyboard =
          markup && markup->IsObject() ? json::Find(*markup, "inline_keyboard") : nullptr;
      if (keyboard != nullptr && keyboard->IsArray()) {
        for (const Value& row : keyboard->GetArray()) {
          if (!row.IsArray()) continue;
          for (const Value& button : row.GetArray()) {
            if (!button.IsObject()) continue;
            std::string data;
            if (json::GetString(button, "callback_data", &data).ok() && data == reply->id()) {
              (void)json::GetString(button, "text", reply->mutable_title());
            }
          }
        }
      }
    } else {
      // Inline-mode keyboards have no message: the user is the conversation.
      event.set_conversation_key(absl::StrCat("telegram:", bot, ":", event.sender().id()));
    }
    result->events.push_back(std::move(event));
    return absl::OkStatus();
  }

  if (const Value* reaction = json::Find(update, "message_reaction")) {
    OG_RETURN_IF_ERROR(json::ExpectObject(reaction, "message_reaction"));
    std::string chat_id, message_id;
    OG_RETURN_IF_ERROR(chat_of(*reaction, &chat_id));
    OG_RETURN_IF_ERROR(json::RequireId(*reaction, "message_id", &message_id));
    const Value* user = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(*reaction, "user", &user));
    if (user != nullptr) {
      OG_RETURN_IF_ERROR(FillUser(*user, event.mutable_sender(), &event));
    } else {
      event.mutable_sender()->set_id(chat_id);
    }
    OG_RETURN_IF_ERROR(set_time(*reaction, "date"));
    auto* out = event.mutable_reaction();
    out->set_target_external_id(absl::StrCat(chat_id, ":", message_id));
    const Value* added = nullptr;
    OG_RETURN_IF_ERROR(json::GetArray(*reaction, "new_reaction", &added));
    if (added != nullptr && !added->Empty() && (*added)[0].IsObject()) {
      OG_RETURN_IF_ERROR(json::GetString((*added)[0], "emoji", out->mutable_emoji()));
    }
    out->set_action(out->emoji().empty() ? omnigate::v1::Reaction::ACTION_UNREACT
                                         : omnigate::v1::Reaction::ACTION_REACT);
    event.set_reply_to_external_id(out->target_external_id());
    event.set_external_id(absl::StrCat("update:", update_id));
    event.set_idempotency_key(absl::StrCat("telegram:update:", update_id));
    result->events.push_back(std::move(event));
    return absl::OkStatus();
  }

  if (const Value* member = json::Find(update, "my_chat_member")) {
    // The user blocked (kicked) or restarted the bot.
    OG_RETURN_IF_ERROR(json::ExpectObject(member, "my_chat_member"));
    std::string chat_id, status;
    OG_RETURN_IF_ERROR(chat_of(*member, &chat_id));
    const Value* from = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(*member, "from", &from));
    OG_RETURN_IF_ERROR(FillUser(*from, event.mutable_sender(), &event));
    const Value* now = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(*member, "new_chat_member", &now));
    OG_RETURN_IF_ERROR(json::GetString(*now, "status", &status));
    OG_RETURN_IF_ERROR(set_time(*member, "date"));
    auto* conversation = event.mutable_conversation();
    conversation->set_kind(status == "kicked" || status == "left"
                               ? omnigate::v1::ConversationEvent::KIND_UNFOLLOW
                               : omnigate::v1::ConversationEvent::KIND_FOLLOW);
    conversation->set_reason(status);
    event.set_external_id(absl::StrCat("update:", update_id));
    event.set_idempotency_key(absl::StrCat("telegram:update:", update_id));
    result->events.push_back(std::move(event));
    return absl::OkStatus();
  }

  // Update kinds omnigate does not model (inline queries, polls, kinds added
  // to the Bot API later): kept as unsupported under their key, never dropped.
  std::string kind = "update";
  const Value* body = nullptr;
  for (const auto& m : update.GetObject()) {
    if (absl::string_view(m.name.GetString()) != "update_id") {
      kind = m.name.GetString();
      body = &m.value;
      break;
    }
  }
  std::string chat_id;
  if (body != nullptr && body->IsObject()) {
    const Value* chat = json::Find(*body, "chat");
    const Value* from = json::Find(*body, "from");
    if (chat != nullptr && chat->IsObject()) {
      (void)json::GetId(*chat, "id", &chat_id);
    } else if (from != nullptr && from->IsObject()) {
      (void)json::GetId(*from, "id", &chat_id);
    }
    OG_RETURN_IF_ERROR(set_time(*body, "date"));
  } else {
    event.set_sent_at_ms(received_at_ms);
    event.set_timestamp_source(omnigate::v1::TIMESTAMP_SOURCE_RECEIPT);
  }
  event.mutable_sender()->set_id(chat_id);
  event.set_conversation_key(
      absl::StrCat("telegram:", bot, ":", chat_id.empty() ? "_bot" : chat_id));
  event.set_external_id(absl::StrCat("update:", update_id));
  event.set_idempotency_key(absl::StrCat("telegram:update:", update_id));
  event.mutable_unsupported()->set_type_name(kind);
  event.mutable_unsupported()->set_raw(json::Serialize(update));
  result->events.push_back(std::move(event));
  return absl::OkStatus();
}

}  // namespace omnigate::channels
