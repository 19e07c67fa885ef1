#include "lib/outbound/line_sender.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/common/uuid.h"
#include "lib/crypto/hmac.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/json_writer.h"
#include "lib/outbound/message_checks.h"
#include "lib/outbound/url_form.h"

namespace omnigate::outbound {
namespace {

using omnigate::v1::MediaItem;
constexpr absl::string_view kChannel = "LINE";

bool IsUuid(absl::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(id[i]))) {
      return false;
    }
  }
  return true;
}

void WriteQuickReply(const std::vector<ReplyOption>& options, JsonWriter& w);

// One media object; `quick` (may be null) rides on it when it is the last.
absl::Status WriteMedia(const MediaAttachment& media, const std::vector<ReplyOption>* quick,
                        JsonWriter& w) {
  const std::string& preview = media.thumbnail_url.empty() ? media.url : media.thumbnail_url;
  switch (media.kind) {
    case MediaItem::KIND_IMAGE:
      w.BeginObject().Field("type", "image").Field("originalContentUrl", media.url);
      w.Field("previewImageUrl", preview);
      break;
    case MediaItem::KIND_VIDEO:
      if (media.thumbnail_url.empty()) {
        return absl::InvalidArgumentError("LINE video needs a preview image (thumbnail_url)");
      }
      w.BeginObject().Field("type", "video").Field("originalContentUrl", media.url);
      w.Field("previewImageUrl", preview);
      break;
    case MediaItem::KIND_AUDIO:
    case MediaItem::KIND_VOICE:
      if (media.duration_ms == 0) {
        return absl::InvalidArgumentError("LINE audio needs its duration (duration_ms)");
      }
      w.BeginObject().Field("type", "audio").Field("originalContentUrl", media.url);
      w.IntField("duration", media.duration_ms);
      break;
    default:
      return absl::InvalidArgumentError(
          "LINE sends images, video and audio by URL; documents and stickers are not supported");
  }
  if (quick != nullptr && !quick->empty()) WriteQuickReply(*quick, w);
  w.EndObject();
  return absl::OkStatus();
}

void WriteQuickReply(const std::vector<ReplyOption>& options, JsonWriter& w) {
  w.ObjectField("quickReply").ArrayField("items");
  for (const ReplyOption& option : options) {
    w.BeginObject().Field("type", "action").ObjectField("action").Field("type", "postback");
    w.Field("label", TruncateCodePoints(option.title, LineSender::kMaxLabel));
    w.Field("data", option.id).Field("displayText", option.title);
    w.EndObject().EndObject();
  }
  w.EndArray().EndObject();
}

}  // namespace

std::string LineSender::RetryKey(absl::string_view id) {
  if (IsUuid(id)) return absl::AsciiStrToLower(id);
  const std::string digest = crypto::Sha256(id);
  uint8_t bytes[16];
  for (int i = 0; i < 16; ++i) bytes[i] = static_cast<uint8_t>(digest[i]);
  bytes[6] = (bytes[6] & 0x0F) | 0x80;  // version 8: application-defined
  bytes[8] = (bytes[8] & 0x3F) | 0x80;  // RFC 9562 variant
  return FormatUuid(bytes);
}

absl::StatusOr<HttpRequest> LineSender::Build(const OutboundMessage& message) const {
  OG_RETURN_IF_ERROR(CheckBasics(message, kChannel));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "api_base_url", message.settings.api_base_url));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "token", message.settings.token));
  OG_RETURN_IF_ERROR(CheckLength(kChannel, "text", message.text, kMaxText));
  OG_RETURN_IF_ERROR(
      CheckCount(kChannel, "quick reply items", message.options.size(), kMaxQuickReplies));
  for (const ReplyOption& option : message.options) {
    OG_RETURN_IF_ERROR(CheckLength(kChannel, "postback data", option.id, kMaxPostbackData));
  }
  const bool reply = message.line_reply_token_usable && !message.line_reply_token.empty();
  if (!reply && message.outbound_id.empty()) {
    return absl::InvalidArgumentError("LINE push needs the outbound id for X-Line-Retry-Key");
  }

  // Media first, then the text (their caption) in the same request.
  std::string text = message.text;
  for (const MediaAttachment& media : message.media) {
    if (media.caption.empty()) continue;
    absl::StrAppend(&text, text.empty() ? "" : "\n", media.caption);
  }
  const size_t count = message.media.size() + (text.empty() ? 0 : 1);
  OG_RETURN_IF_ERROR(CheckCount(kChannel, "message objects per request", count, kMaxMessages));

  JsonWriter w;
  w.BeginObject();
  if (reply) {
    w.Field("replyToken", message.line_reply_token);
  } else {
    w.Field("to", message.recipient);
  }
  w.ArrayField("messages");
  for (size_t i = 0; i < message.media.size(); ++i) {
    const bool last = i + 1 == count;
    OG_RETURN_IF_ERROR(WriteMedia(message.media[i], last ? &message.options : nullptr, w));
  }
  if (!text.empty()) {
    w.BeginObject().Field("type", "text").Field("text", text);
    if (!message.options.empty()) WriteQuickReply(message.options, w);
    w.EndObject();
  }
  w.EndArray().EndObject();

  HttpRequest request;
  request.url = JoinUrl(message.settings.api_base_url,
                        reply ? "v2/bot/message/reply" : "v2/bot/message/push");
  request.headers.emplace_back("Authorization", absl::StrCat("Bearer ", message.settings.token));
  if (!reply) request.headers.emplace_back("X-Line-Retry-Key", RetryKey(message.outbound_id));
  request.content_type = "application/json";
  request.body = w.Take();
  request.secrets.push_back(message.settings.token);
  return request;
}

SendOutcome LineSender::Classify(const OutboundMessage& message,
                                 const HttpResponse& response) const {
  const ParsedBody body = ParseBody(response);
  const int status = response.status;
  if (status >= 200 && status < 300) {
    return SentOrUnreadable(response, StringAt(FirstObjectIn(body.root(), "sentMessages"), "id"));
  }
  std::string text = StringAt(body.root(), "message");
  const json::Value* detail = FirstObjectIn(body.root(), "details");
  if (detail != nullptr) {
    absl::StrAppend(&text, ": ", StringAt(detail, "property"), " ", StringAt(detail, "message"));
  }
  if (text.empty()) text = BodySnippet(response.body);
  const std::string code = absl::StrCat(status);
  const bool pushed = !(message.line_reply_token_usable && !message.line_reply_token.empty());
  if (status == 409 && pushed) {
    // The retry key was accepted before: the messages went out; LINE does not
    // repeat their ids here (x-line-accepted-request-id names the request).
    return Sent("");
  }
  if (status == 429) {
    if (absl::StrContains(absl::AsciiStrToLower(text), "monthly limit")) {
      return Failed(SendOutcome::kConnector, code, text);  // quota: waits for the month or plan
    }
    return Throttled(SendOutcome::Scope::kConnector, RetryAfterHeader(response), code, text);
  }
  if (status == 400 && absl::StrContains(absl::AsciiStrToLower(text), "reply token")) {
    return Failed(SendOutcome::kPolicy, code, text);  // expired or used: push instead
  }
  SendOutcome outcome = ClassifyByStatus(response);
  outcome.error_message = text;
  return outcome;
}

}  // namespace omnigate::outbound
