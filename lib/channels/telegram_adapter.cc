#include "lib/channels/telegram_adapter.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/channels/event_fields.h"
#include "lib/channels/signature.h"
#include "lib/channels/telegram_message.h"
#include "lib/common/reject.h"
#include "lib/common/status_macros.h"
#include "lib/crypto/hmac.h"
#include "lib/json/strict_json.h"

namespace omnigate::channels {
namespace {

using json::Value;
using omnigate::v1::Event;

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

// What every event of one update shares.
struct UpdateScope {
  std::string update_id;
  std::string bot;
  int64_t received_at_ms = 0;
};

Event NewEvent(const std::string& connector, const UpdateScope& scope) {
  Event event;
  event.set_channel(omnigate::v1::CHANNEL_TELEGRAM);
  event.set_connector(connector);
  event.set_account_id(scope.bot);
  event.mutable_recipient()->set_id(scope.bot);
  event.mutable_recipient()->set_role(omnigate::v1::ROLE_BUSINESS);
  (*event.mutable_attributes())["update_id"] = scope.update_id;
  return event;
}

// sent_at_ms from the unix seconds under `key`, else receipt time.
absl::Status SetTime(const Value& object, const char* key, const UpdateScope& scope, Event* event) {
  int64_t ms = 0;
  OG_RETURN_IF_ERROR(json::GetUnixSecondsAsMs(object, key, &ms));
  SetSentAt(ms, scope.received_at_ms, event);
  return absl::OkStatus();
}

// Reads `object.chat`: its id, and the conversation it keys.
absl::Status ReadChat(const Value& object, const UpdateScope& scope, std::string* chat_id,
                      Event* event) {
  const Value* chat = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(object, "chat", &chat));
  OG_RETURN_IF_ERROR(json::RequireId(*chat, "id", chat_id));
  std::string type;
  OG_RETURN_IF_ERROR(json::GetString(*chat, "type", &type));
  if (!type.empty() && type != "private") (*event->mutable_attributes())["chat_type"] = type;
  event->set_conversation_key(absl::StrCat("telegram:", scope.bot, ":", *chat_id));
  return absl::OkStatus();
}

// Updates that carry no message id of their own are keyed by update id.
void KeyByUpdate(const UpdateScope& scope, Event* event) {
  event->set_external_id(absl::StrCat("update:", scope.update_id));
  event->set_idempotency_key(absl::StrCat("telegram:update:", scope.update_id));
}

// Sender and replied-to message of a Message.
absl::Status ReadMessageParties(const Value& message, const std::string& chat_id, Event* event) {
  const Value* from = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(message, "from", &from));
  if (from != nullptr) {
    OG_RETURN_IF_ERROR(FillUser(*from, event->mutable_sender(), event));
  } else {
    // Channel posts are signed by the channel itself.
    event->mutable_sender()->set_id(chat_id);
    event->mutable_sender()->set_role(omnigate::v1::ROLE_CUSTOMER);
  }
  const Value* reply_to = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(message, "reply_to_message", &reply_to));
  if (reply_to != nullptr) {
    std::string replied;
    OG_RETURN_IF_ERROR(json::RequireId(*reply_to, "message_id", &replied));
    event->set_reply_to_external_id(absl::StrCat(chat_id, ":", replied));
  }
  return absl::OkStatus();
}

// An edit reuses the message id: keyed by edit time so each edit is applied
// once, not dropped as a duplicate of the original.
absl::Status FillEdit(const Value& message, const UpdateScope& scope, Event* event) {
  std::string edit_date;
  OG_RETURN_IF_ERROR(json::GetId(message, "edit_date", &edit_date));
  OG_RETURN_IF_ERROR(
      SetTime(message, json::Find(message, "edit_date") ? "edit_date" : "date", scope, event));
  Event content;
  OG_RETURN_IF_ERROR(telegram::FillMessageContent(message, &content));
  auto* edit = event->mutable_edit();
  edit->set_target_external_id(event->external_id());
  edit->set_body(content.has_text()    ? content.text().body()
                 : content.has_media() ? content.media().caption()
                                       : "");
  event->set_idempotency_key(absl::StrCat("telegram:edit:", event->external_id(), ":",
                                          edit_date.empty() ? scope.update_id : edit_date));
  return absl::OkStatus();
}

// message, edited_message, channel_post and their business/edited kinds.
absl::Status FillMessageUpdate(absl::string_view kind, const Value& message,
                               const UpdateScope& scope, Event* event) {
  std::string chat_id, message_id;
  OG_RETURN_IF_ERROR(ReadChat(message, scope, &chat_id, event));
  OG_RETURN_IF_ERROR(json::RequireId(message, "message_id", &message_id));
  event->set_external_id(absl::StrCat(chat_id, ":", message_id));
  OG_RETURN_IF_ERROR(ReadMessageParties(message, chat_id, event));
  if (absl::StartsWith(kind, "edited_")) {
    OG_RETURN_IF_ERROR(FillEdit(message, scope, event));
  } else {
    OG_RETURN_IF_ERROR(SetTime(message, "date", scope, event));
    OG_RETURN_IF_ERROR(telegram::FillMessageContent(message, event));
    event->set_idempotency_key(absl::StrCat("telegram:msg:", event->external_id()));
  }
  if (kind == "channel_post") (*event->mutable_attributes())["update_kind"] = "channel_post";
  return absl::OkStatus();
}

// The label of the inline-keyboard button whose callback data is `data`.
void FindButtonTitle(const Value& message, const std::string& data, std::string* title) {
  const Value* markup = json::Find(message, "reply_markup");
  const Value* keyboard =
      markup && markup->IsObject() ? json::Find(*markup, "inline_keyboard") : nullptr;
  if (keyboard == nullptr || !keyboard->IsArray()) return;
  for (const Value& row : keyboard->GetArray()) {
    if (!row.IsArray()) continue;
    for (const Value& button : row.GetArray()) {
      if (!button.IsObject()) continue;
      std::string button_data;
      if (json::GetString(button, "callback_data", &button_data).ok() && button_data == data) {
        (void)json::GetString(button, "text", title);
      }
    }
  }
}

// A press on an inline-keyboard button.
absl::Status FillCallback(const Value& callback, const UpdateScope& scope, Event* event) {
  std::string id;
  OG_RETURN_IF_ERROR(json::RequireId(callback, "id", &id));
  const Value* from = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(callback, "from", &from));
  OG_RETURN_IF_ERROR(FillUser(*from, event->mutable_sender(), event));
  event->set_external_id(absl::StrCat("callback:", id));
  event->set_idempotency_key(absl::StrCat("telegram:callback:", id));
  auto* reply = event->mutable_interactive();
  reply->set_type(omnigate::v1::InteractiveReply::TYPE_CALLBACK_QUERY);
  OG_RETURN_IF_ERROR(json::GetString(callback, "data", reply->mutable_id()));
  // The press has no time of its own; the keyboard message's date is when
  // it was sent, so receipt time it is.
  SetSentAt(0, scope.received_at_ms, event);
  const Value* message = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(callback, "message", &message));
  if (message == nullptr) {
    // Inline-mode keyboards have no message: the user is the conversation.
    event->set_conversation_key(absl::StrCat("telegram:", scope.bot, ":", event->sender().id()));
    return absl::OkStatus();
  }
  std::string chat_id, message_id;
  OG_RETURN_IF_ERROR(ReadChat(*message, scope, &chat_id, event));
  OG_RETURN_IF_ERROR(json::RequireId(*message, "message_id", &message_id));
  event->set_reply_to_external_id(absl::StrCat(chat_id, ":", message_id));
  FindButtonTitle(*message, reply->id(), reply->mutable_title());
  return absl::OkStatus();
}

absl::Status FillReaction(const Value& reaction, const UpdateScope& scope, Event* event) {
  std::string chat_id, message_id;
  OG_RETURN_IF_ERROR(ReadChat(reaction, scope, &chat_id, event));
  OG_RETURN_IF_ERROR(json::RequireId(reaction, "message_id", &message_id));
  const Value* user = nullptr;
  OG_RETURN_IF_ERROR(json::GetObject(reaction, "user", &user));
  if (user != nullptr) {
    OG_RETURN_IF_ERROR(FillUser(*user, event->mutable_sender(), event));
  } else {
    event->mutable_sender()->set_id(chat_id);
  }
  OG_RETURN_IF_ERROR(SetTime(reaction, "date", scope, event));
  auto* out = event->mutable_reaction();
  out->set_target_external_id(absl::StrCat(chat_id, ":", message_id));
  const Value* added = nullptr;
  OG_RETURN_IF_ERROR(json::GetArray(reaction, "new_reaction", &added));
  if (added != nullptr && !added->Empty() && (*added)[0].IsObject()) {
    OG_RETURN_IF_ERROR(json::GetString((*added)[0], "emoji", out->mutable_emoji()));
  }
  out->set_action(out->emoji().empty() ? omnigate::v1::Reaction::ACTION_UNREACT
                                       : omnigate::v1::Reaction::ACTION_REACT);
  event->set_reply_to_external_id(out->target_external_id());
  KeyByUpdate(scope, event);
  return absl::OkStatus();
}

// The user blocked (kicked) or restarted the bot.
absl::Status FillChatMember(const Value& member, const UpdateScope& scope, Event* event) {
  std::string chat_id, status;
  OG_RETURN_IF_ERROR(ReadChat(member, scope, &chat_id, event));
  const Value* from = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(member, "from", &from));
  OG_RETURN_IF_ERROR(FillUser(*from, event->mutable_sender(), event));
  const Value* now = nullptr;
  OG_RETURN_IF_ERROR(json::RequireObject(member, "new_chat_member", &now));
  OG_RETURN_IF_ERROR(json::GetString(*now, "status", &status));
  OG_RETURN_IF_ERROR(SetTime(member, "date", scope, event));
  auto* conversation = event->mutable_conversation();
  conversation->set_kind(status == "kicked" || status == "left"
                             ? omnigate::v1::ConversationEvent::KIND_UNFOLLOW
                             : omnigate::v1::ConversationEvent::KIND_FOLLOW);
  conversation->set_reason(status);
  KeyByUpdate(scope, event);
  return absl::OkStatus();
}

// Update kinds omnigate does not model (inline queries, polls, kinds added
// to the Bot API later): kept as unsupported under their key, never dropped.
absl::Status FillOtherUpdate(const Value& update, const UpdateScope& scope, Event* event) {
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
    OG_RETURN_IF_ERROR(SetTime(*body, "date", scope, event));
  } else {
    SetSentAt(0, scope.received_at_ms, event);
  }
  event->mutable_sender()->set_id(chat_id);
  event->set_conversation_key(
      absl::StrCat("telegram:", scope.bot, ":", chat_id.empty() ? "_bot" : chat_id));
  KeyByUpdate(scope, event);
  event->mutable_unsupported()->set_type_name(kind);
  event->mutable_unsupported()->set_raw(json::Serialize(update));
  return absl::OkStatus();
}

// Sets `event` from whichever kind of update this is.
absl::Status FillUpdate(const Value& update, const UpdateScope& scope, Event* event) {
  for (const char* kind : {"message", "edited_message", "channel_post", "edited_channel_post",
                           "business_message", "edited_business_message"}) {
    const Value* message = nullptr;
    OG_RETURN_IF_ERROR(json::GetObject(update, kind, &message));
    if (message != nullptr) return FillMessageUpdate(kind, *message, scope, event);
  }
  if (const Value* callback = json::Find(update, "callback_query")) {
    OG_RETURN_IF_ERROR(json::ExpectObject(callback, "callback_query"));
    return FillCallback(*callback, scope, event);
  }
  if (const Value* reaction = json::Find(update, "message_reaction")) {
    OG_RETURN_IF_ERROR(json::ExpectObject(reaction, "message_reaction"));
    return FillReaction(*reaction, scope, event);
  }
  if (const Value* member = json::Find(update, "my_chat_member")) {
    OG_RETURN_IF_ERROR(json::ExpectObject(member, "my_chat_member"));
    return FillChatMember(*member, scope, event);
  }
  return FillOtherUpdate(update, scope, event);
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
  UpdateScope scope;
  OG_RETURN_IF_ERROR(json::RequireId(update, "update_id", &scope.update_id));
  scope.bot = settings_.account_id.empty() ? settings_.name : settings_.account_id;
  scope.received_at_ms = ReceiptTimeMs(request, clock_);
  Event event = NewEvent(settings_.name, scope);
  OG_RETURN_IF_ERROR(FillUpdate(update, scope, &event));
  result->events.push_back(std::move(event));
  return absl::OkStatus();
}

}  // namespace omnigate::channels
