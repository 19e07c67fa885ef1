#include "lib/outbound/viber_sender.h"

#include <cstdint>
#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/json_writer.h"
#include "lib/outbound/message_checks.h"
#include "lib/outbound/url_form.h"

namespace omnigate::outbound {
namespace {

using omnigate::v1::MediaItem;
constexpr absl::string_view kChannel = "Viber";

bool In(int64_t code, std::initializer_list<int64_t> codes) {
  for (int64_t c : codes) {
    if (c == code) return true;
  }
  return false;
}

absl::Status WriteMedia(const OutboundMessage& message, JsonWriter& w) {
  OG_RETURN_IF_ERROR(CheckCount(kChannel, "media items per message", message.media.size(), 1));
  const MediaAttachment& media = message.media.front();
  const std::string& caption = media.caption.empty() ? message.text : media.caption;
  if (media.kind == MediaItem::KIND_IMAGE) {
    w.Field("type", "picture").Field("text", caption).Field("media", media.url);
    if (!media.thumbnail_url.empty()) w.Field("thumbnail", media.thumbnail_url);
    return absl::OkStatus();
  }
  if (media.kind == MediaItem::KIND_STICKER) {
    return absl::InvalidArgumentError("Viber stickers are sent by sticker_id, not by URL");
  }
  if (media.size_bytes == 0) {
    return absl::InvalidArgumentError("Viber video and file messages need size_bytes");
  }
  if (!caption.empty()) {
    return absl::InvalidArgumentError("Viber video and file messages carry no caption");
  }
  if (media.kind == MediaItem::KIND_VIDEO) {
    w.Field("type", "video").Field("media", media.url).IntField("size", media.size_bytes);
    if (media.duration_ms > 0) w.IntField("duration", (media.duration_ms + 999) / 1000);
    if (!media.thumbnail_url.empty()) w.Field("thumbnail", media.thumbnail_url);
    return absl::OkStatus();
  }
  if (media.file_name.empty()) {
    return absl::InvalidArgumentError("Viber file messages need a file_name");
  }
  w.Field("type", "file").Field("media", media.url).IntField("size", media.size_bytes);
  w.Field("file_name", media.file_name);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HttpRequest> ViberSender::Build(const OutboundMessage& message) const {
  OG_RETURN_IF_ERROR(CheckBasics(message, kChannel));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "api_base_url", message.settings.api_base_url));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "token", message.settings.token));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "from (sender.name)", message.settings.from));
  OG_RETURN_IF_ERROR(CheckLength(kChannel, "text", message.text, kMaxText));
  OG_RETURN_IF_ERROR(CheckCount(kChannel, "keyboard buttons", message.options.size(), kMaxButtons));
  OG_RETURN_IF_ERROR(CheckLength(kChannel, "tracking_data", message.outbound_id, kMaxTrackingData));

  JsonWriter w;
  w.BeginObject().Field("receiver", message.recipient);
  w.ObjectField("sender")
      .Field("name", TruncateCodePoints(message.settings.from, kMaxSenderName))
      .EndObject();
  if (!message.outbound_id.empty()) w.Field("tracking_data", message.outbound_id);
  if (message.media.empty()) {
    w.Field("type", "text").Field("text", message.text);
  } else {
    OG_RETURN_IF_ERROR(WriteMedia(message, w));
  }
  if (!message.options.empty()) {
    // Keyboards need API version 3 on the client.
    w.IntField("min_api_version", 3);
    const size_t n = message.options.size();
    const int columns = n == 2 ? 3 : (n == 3 ? 2 : 6);  // 6 columns per row
    w.ObjectField("keyboard").Field("Type", "keyboard").BoolField("DefaultHeight", false);
    w.ArrayField("Buttons");
    for (const ReplyOption& option : message.options) {
      w.BeginObject().Field("ActionType", "reply").Field("ActionBody", option.id);
      w.Field("Text", option.title).IntField("Columns", columns).IntField("Rows", 1).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndObject();

  HttpRequest request;
  request.url = JoinUrl(message.settings.api_base_url, "pa/send_message");
  request.headers.emplace_back("X-Viber-Auth-Token", message.settings.token);
  request.content_type = "application/json";
  request.body = w.Take();
  request.secrets.push_back(message.settings.token);
  return request;
}

SendOutcome ViberSender::Classify(const OutboundMessage&, const HttpResponse& response) const {
  const ParsedBody body = ParseBody(response);
  const json::Value* root = body.root();
  if (response.status < 200 || response.status >= 300 || root == nullptr) {
    return ClassifyUnparsed(response);
  }
  int64_t status = -1;
  if (!json::GetInt64(*root, "status", &status).ok()) status = -1;
  const std::string text = StringAt(root, "status_message");
  if (status == 0) return SentOrUnreadable(response, StringAt(root, "message_token"));
  const std::string code = absl::StrCat(status);
  // 100 messages per user per hour without a reply; resets when the user writes.
  if (status == 12) return Throttled(SendOutcome::Scope::kRecipient, absl::Hours(1), code, text);
  if (In(status, {1, 2, 7, 8, 9, 10, 15, 23, 24})) {
    return Failed(SendOutcome::kConnector, code, text);
  }
  if (In(status, {3, 4, 5, 6, 11, 13, 14, 21})) return Failed(SendOutcome::kPermanent, code, text);
  if (status < 0) return SentOrUnreadable(response, "");
  return Failed(SendOutcome::kPermanent, code, text);
}

}  // namespace omnigate::outbound
