#include "lib/outbound/telegram_sender.h"

#include <cstdint>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/common/status_macros.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/json_writer.h"
#include "lib/outbound/message_checks.h"
#include "lib/outbound/url_form.h"

namespace omnigate::outbound {
namespace {

using omnigate::v1::MediaItem;
constexpr absl::string_view kChannel = "Telegram";

// Method and parameter name for one media kind.
std::pair<absl::string_view, absl::string_view> MediaMethod(MediaItem::Kind kind) {
  switch (kind) {
    case MediaItem::KIND_IMAGE:
      return {"sendPhoto", "photo"};
    case MediaItem::KIND_VIDEO:
      return {"sendVideo", "video"};
    case MediaItem::KIND_AUDIO:
      return {"sendAudio", "audio"};
    case MediaItem::KIND_VOICE:
      return {"sendVoice", "voice"};
    case MediaItem::KIND_STICKER:
      return {"sendSticker", "sticker"};
    default:
      return {"sendDocument", "document"};
  }
}

// chat_id is an integer for users and groups, "@name" for public channels.
void WriteChatId(absl::string_view chat, JsonWriter& w) {
  int64_t id = 0;
  if (absl::SimpleAtoi(chat, &id)) {
    w.IntField("chat_id", id);
  } else {
    w.Field("chat_id", chat);
  }
}

// Inbound ids are "<chat>:<message>"; only a message of this chat can be
// quoted, and only its message part is sent back.
bool ReplyMessageId(absl::string_view external_id, absl::string_view chat, int64_t* id) {
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(external_id, absl::MaxSplits(':', 1));
  if (parts.second.empty()) return absl::SimpleAtoi(parts.first, id);
  return parts.first == chat && absl::SimpleAtoi(parts.second, id);
}

}  // namespace

absl::StatusOr<HttpRequest> TelegramSender::Build(const OutboundMessage& message) const {
  OG_RETURN_IF_ERROR(CheckBasics(message, kChannel));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "api_base_url", message.settings.api_base_url));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "token", message.settings.token));
  OG_RETURN_IF_ERROR(CheckCount(kChannel, "media items per message", message.media.size(), 1));
  for (const ReplyOption& option : message.options) {
    if (option.id.size() > kMaxCallbackDataBytes) {
      return absl::InvalidArgumentError(absl::StrCat("Telegram callback_data is limited to ",
                                                     kMaxCallbackDataBytes, " bytes; button id '",
                                                     option.id, "' has ", option.id.size()));
    }
  }

  JsonWriter w;
  w.BeginObject();
  WriteChatId(message.recipient, w);
  absl::string_view method = "sendMessage";
  if (message.media.empty()) {
    OG_RETURN_IF_ERROR(CheckLength(kChannel, "text", message.text, kMaxText));
    w.Field("text", message.text);
  } else {
    const MediaAttachment& media = message.media.front();
    const auto [media_method, param] = MediaMethod(media.kind);
    method = media_method;
    const std::string& caption = media.caption.empty() ? message.text : media.caption;
    if (param == "sticker" && !caption.empty()) {
      return absl::InvalidArgumentError("Telegram stickers cannot carry a caption");
    }
    OG_RETURN_IF_ERROR(CheckLength(kChannel, "caption", caption, kMaxCaption));
    w.Field(param, media.url);
    if (!caption.empty()) w.Field("caption", caption);
  }
  int64_t reply_id = 0;
  if (!message.reply_to_external_id.empty() &&
      ReplyMessageId(message.reply_to_external_id, message.recipient, &reply_id)) {
    w.ObjectField("reply_parameters").IntField("message_id", reply_id);
    w.BoolField("allow_sending_without_reply", true).EndObject();
  }
  if (!message.options.empty()) {
    // Up to three short buttons share a row; more get a row each.
    const bool one_row = message.options.size() <= 3;
    w.ObjectField("reply_markup").ArrayField("inline_keyboard");
    if (one_row) w.BeginArray();
    for (const ReplyOption& option : message.options) {
      if (!one_row) w.BeginArray();
      w.BeginObject().Field("text", option.title).Field("callback_data", option.id).EndObject();
      if (!one_row) w.EndArray();
    }
    if (one_row) w.EndArray();
    w.EndArray().EndObject();
  }
  w.EndObject();

  HttpRequest request;
  request.url = JoinUrl(message.settings.api_base_url,
                        absl::StrCat("bot", message.settings.token, "/", method));
  request.content_type = "application/json";
  request.body = w.Take();
  request.secrets.push_back(message.settings.token);
  return request;
}

SendOutcome TelegramSender::Classify(const OutboundMessage& message,
                                     const HttpResponse& response) const {
  const ParsedBody body = ParseBody(response);
  const json::Value* root = body.root();
  bool ok = false;
  if (root != nullptr) json::GetBool(*root, "ok", &ok).IgnoreError();
  if (response.status >= 200 && response.status < 300 && ok) {
    const json::Value* result = ObjectAt(root, "result");
    std::string chat = StringAt(ObjectAt(result, "chat"), "id");
    if (chat.empty()) chat = message.recipient;
    const std::string id = StringAt(result, "message_id");
    return SentOrUnreadable(response, id.empty() ? "" : absl::StrCat(chat, ":", id));
  }
  if (root == nullptr) return ClassifyUnparsed(response);

  const std::string description = StringAt(root, "description");
  std::string code = StringAt(root, "error_code");
  if (code.empty()) code = absl::StrCat(response.status);
  const json::Value* parameters = ObjectAt(root, "parameters");
  const int status = response.status;

  if (status == 429 || code == "429") {
    int64_t seconds = 0;
    absl::Duration wait = RetryAfterHeader(response);
    if (parameters != nullptr && json::GetInt64(*parameters, "retry_after", &seconds).ok() &&
        seconds > 0) {
      wait = absl::Seconds(seconds);
    }
    // Limits are per bot token and per chat; pausing the bot is the safe reading.
    return Throttled(SendOutcome::Scope::kConnector, wait, code, description);
  }
  const std::string migrate_to = StringAt(parameters, "migrate_to_chat_id");
  if (!migrate_to.empty()) {
    return Failed(SendOutcome::kPolicy, code,
                  absl::StrCat(description, " (migrate_to_chat_id=", migrate_to, ")"));
  }
  // A bad token answers 401 or 404 (the method URL does not exist for it).
  if (status == 401 || status == 404) return Failed(SendOutcome::kConnector, code, description);
  if (status >= 500 || status == 0) return Failed(SendOutcome::kTransient, code, description);
  return Failed(SendOutcome::kPermanent, code, description);
}

}  // namespace omnigate::outbound
