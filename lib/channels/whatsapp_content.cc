#include "lib/channels/whatsapp_content.h"

#include <string>

#include "lib/common/status_macros.h"

namespace omnigate::channels::whatsapp {
namespace {

using json::GetObject;
using json::GetString;
using json::Value;
using omnigate::v1::Event;
using omnigate::v1::InteractiveReply;
using omnigate::v1::MediaItem;

absl::Status FillMedia(const Value& message, absl::string_view type, MediaItem::Kind kind,
                       Event* event) {
  const Value* media = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(message, type, &media));
  auto* payload = event->mutable_media();
  MediaItem* item = payload->add_items();
  item->set_kind(kind);
  OG_RETURN_IF_ERROR(json::GetId(*media, "id", item->mutable_media_id()));
  OG_RETURN_IF_ERROR(GetString(*media, "url", item->mutable_url()));
  OG_RETURN_IF_ERROR(GetString(*media, "mime_type", item->mutable_mime_type()));
  OG_RETURN_IF_ERROR(GetString(*media, "sha256", item->mutable_sha256()));
  OG_RETURN_IF_ERROR(GetString(*media, "filename", item->mutable_file_name()));
  OG_RETURN_IF_ERROR(GetString(*media, "caption", item->mutable_caption()));
  payload->set_caption(item->caption());
  if (kind == MediaItem::KIND_AUDIO) {
    bool voice = false;
    OG_RETURN_IF_ERROR(json::GetBool(*media, "voice", &voice));
    if (voice) item->set_kind(MediaItem::KIND_VOICE);
  }
  if (kind == MediaItem::KIND_STICKER) {
    bool animated = false;
    OG_RETURN_IF_ERROR(json::GetBool(*media, "animated", &animated));
    item->set_animated(animated);
  }
  return absl::OkStatus();
}

absl::Status FillLocation(const Value& message, Event* event) {
  const Value* location = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(message, "location", &location));
  auto* out = event->mutable_location();
  double latitude = 0, longitude = 0;
  OG_RETURN_IF_ERROR(json::GetDouble(*location, "latitude", &latitude));
  OG_RETURN_IF_ERROR(json::GetDouble(*location, "longitude", &longitude));
  out->set_latitude(latitude);
  out->set_longitude(longitude);
  OG_RETURN_IF_ERROR(GetString(*location, "name", out->mutable_name()));
  OG_RETURN_IF_ERROR(GetString(*location, "address", out->mutable_address()));
  OG_RETURN_IF_ERROR(GetString(*location, "url", out->mutable_url()));
  return absl::OkStatus();
}

absl::Status FillContacts(const Value& message, Event* event) {
  const Value* contacts = nullptr;
  OG_RETURN_IF_ERROR(json::RequireArray(message, "contacts", &contacts));
  auto* out = event->mutable_contacts();
  for (const Value& card : contacts->GetArray()) {
    OG_RETURN_IF_ERROR(json::ExpectObject(&card, "contacts[]"));
    auto* contact = out->add_contacts();
    const Value* name = nullptr;
    OG_RETURN_IF_ERROR(GetObject(card, "name", &name));
    if (name != nullptr) {
      OG_RETURN_IF_ERROR(GetString(*name, "formatted_name", contact->mutable_formatted_name()));
      OG_RETURN_IF_ERROR(GetString(*name, "first_name", contact->mutable_first_name()));
      OG_RETURN_IF_ERROR(GetString(*name, "last_name", contact->mutable_last_name()));
    }
    const Value* phones = nullptr;
    OG_RETURN_IF_ERROR(json::GetArray(card, "phones", &phones));
    if (phones != nullptr) {
      for (const Value& phone : phones->GetArray()) {
        OG_RETURN_IF_ERROR(json::ExpectObject(&phone, "phones[]"));
        auto* p = contact->add_phones();
        OG_RETURN_IF_ERROR(GetString(phone, "phone", p->mutable_number()));
        OG_RETURN_IF_ERROR(GetString(phone, "type", p->mutable_type()));
        OG_RETURN_IF_ERROR(json::GetId(phone, "wa_id", p->mutable_channel_user_id()));
      }
    }
    const Value* emails = nullptr;
    OG_RETURN_IF_ERROR(json::GetArray(card, "emails", &emails));
    if (emails != nullptr) {
      for (const Value& email : emails->GetArray()) {
        OG_RETURN_IF_ERROR(json::ExpectObject(&email, "emails[]"));
        std::string address;
        OG_RETURN_IF_ERROR(GetString(email, "email", &address));
        if (!address.empty()) contact->add_emails(std::move(address));
      }
    }
    const Value* org = nullptr;
    OG_RETURN_IF_ERROR(GetObject(card, "org", &org));
    if (org != nullptr) {
      OG_RETURN_IF_ERROR(GetString(*org, "company", contact->mutable_organization()));
    }
  }
  return absl::OkStatus();
}

// interactive: button_reply, list_reply or nfm_reply (flows).
absl::Status FillInteractive(const Value& message, Event* event) {
  const Value* interactive = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(message, "interactive", &interactive));
  std::string type;
  OG_RETURN_IF_ERROR(json::RequireString(*interactive, "type", &type));
  auto* out = event->mutable_interactive();
  const Value* reply = nullptr;
  if (type == "button_reply" || type == "list_reply") {
    OG_RETURN_IF_ERROR(json::RequireObject(*interactive, type, &reply));
    out->set_type(type == "button_reply" ? InteractiveReply::TYPE_BUTTON
                                         : InteractiveReply::TYPE_LIST);
    OG_RETURN_IF_ERROR(json::RequireId(*reply, "id", out->mutable_id()));
    OG_RETURN_IF_ERROR(GetString(*reply, "title", out->mutable_title()));
    OG_RETURN_IF_ERROR(GetString(*reply, "description", out->mutable_description()));
    return absl::OkStatus();
  }
  if (type == "nfm_reply") {
    OG_RETURN_IF_ERROR(json::RequireObject(*interactive, type, &reply));
    out->set_type(InteractiveReply::TYPE_FLOW);
    // The flow's answers are a JSON string: keep them whole as the id.
    OG_RETURN_IF_ERROR(GetString(*reply, "response_json", out->mutable_id()));
    OG_RETURN_IF_ERROR(GetString(*reply, "name", out->mutable_title()));
    OG_RETURN_IF_ERROR(GetString(*reply, "body", out->mutable_description()));
    return absl::OkStatus();
  }
  auto* unsupported = event->mutable_unsupported();
  unsupported->set_type_name("interactive:" + type);
  unsupported->set_raw(json::Serialize(message));
  return absl::OkStatus();
}

// Quick-reply button of a template message.
absl::Status FillTemplateButton(const Value& message, Event* event) {
  const Value* button = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(message, "button", &button));
  auto* out = event->mutable_interactive();
  out->set_type(InteractiveReply::TYPE_TEMPLATE_BUTTON);
  OG_RETURN_IF_ERROR(GetString(*button, "payload", out->mutable_id()));
  OG_RETURN_IF_ERROR(GetString(*button, "text", out->mutable_title()));
  return absl::OkStatus();
}

absl::Status FillReaction(const Value& message, Event* event) {
  const Value* reaction = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(message, "reaction", &reaction));
  auto* out = event->mutable_reaction();
  OG_RETURN_IF_ERROR(
      json::RequireString(*reaction, "message_id", out->mutable_target_external_id()));
  // Removal arrives with the emoji absent or empty.
  OG_RETURN_IF_ERROR(GetString(*reaction, "emoji", out->mutable_emoji()));
  out->set_action(out->emoji().empty() ? omnigate::v1::Reaction::ACTION_UNREACT
                                       : omnigate::v1::Reaction::ACTION_REACT);
  event->set_reply_to_external_id(out->target_external_id());
  return absl::OkStatus();
}

}  // namespace

absl::Status FillMessageContent(const Value& message, Event* event) {
  std::string type;
  OG_RETURN_IF_ERROR(json::RequireString(message, "type", &type));
  if (type == "text") {
    const Value* text = nullptr;
    OG_RETURN_IF_ERROR(json::RequireObject(message, "text", &text));
    OG_RETURN_IF_ERROR(GetString(*text, "body", event->mutable_text()->mutable_body()));
    return absl::OkStatus();
  }
  if (type == "image") return FillMedia(message, type, MediaItem::KIND_IMAGE, event);
  if (type == "audio") return FillMedia(message, type, MediaItem::KIND_AUDIO, event);
  if (type == "voice") return FillMedia(message, type, MediaItem::KIND_VOICE, event);
  if (type == "video") return FillMedia(message, type, MediaItem::KIND_VIDEO, event);
  if (type == "document") return FillMedia(message, type, MediaItem::KIND_DOCUMENT, event);
  if (type == "sticker") return FillMedia(message, type, MediaItem::KIND_STICKER, event);
  if (type == "location") return FillLocation(message, event);
  if (type == "contacts") return FillContacts(message, event);
  if (type == "interactive") return FillInteractive(message, event);
  if (type == "button") return FillTemplateButton(message, event);
  if (type == "reaction") return FillReaction(message, event);
  // "unsupported", "order", "system", "request_welcome" and future types.
  auto* unsupported = event->mutable_unsupported();
  unsupported->set_type_name(type);
  unsupported->set_raw(json::Serialize(message));
  return absl::OkStatus();
}

omnigate::v1::Status::State StatusState(absl::string_view name) {
  using State = omnigate::v1::Status;
  if (name == "sent") return State::STATE_SENT;
  if (name == "delivered") return State::STATE_DELIVERED;
  if (name == "read") return State::STATE_READ;
  if (name == "failed") return State::STATE_FAILED;
  if (name == "deleted") return State::STATE_DELETED;
  if (name == "played") return State::STATE_PLAYED;
  return State::STATE_UNSPECIFIED;
}

}  // namespace omnigate::channels::whatsapp
