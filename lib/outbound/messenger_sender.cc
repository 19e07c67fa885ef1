#include "lib/outbound/messenger_sender.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/json_writer.h"
#include "lib/outbound/message_checks.h"
#include "lib/outbound/meta_errors.h"
#include "lib/outbound/url_form.h"

namespace omnigate::outbound {
namespace {

using omnigate::v1::MediaItem;

absl::StatusOr<absl::string_view> AttachmentType(MediaItem::Kind kind, bool instagram) {
  switch (kind) {
    case MediaItem::KIND_IMAGE:
      return "image";
    case MediaItem::KIND_AUDIO:
    case MediaItem::KIND_VOICE:
      return "audio";
    case MediaItem::KIND_VIDEO:
      return "video";
    case MediaItem::KIND_DOCUMENT:
      if (!instagram) return "file";
      return absl::InvalidArgumentError("Instagram cannot send documents (image, audio, video)");
    default:
      return absl::InvalidArgumentError("Messenger/Instagram cannot send this media kind by URL");
  }
}

}  // namespace

absl::StatusOr<HttpRequest> MessengerSender::Build(const OutboundMessage& message) const {
  const absl::string_view channel = instagram() ? "Instagram" : "Messenger";
  OG_RETURN_IF_ERROR(CheckBasics(message, channel));
  OG_RETURN_IF_ERROR(RequireSetting(channel, "api_base_url", message.settings.api_base_url));
  OG_RETURN_IF_ERROR(RequireSetting(channel, "token", message.settings.token));
  OG_RETURN_IF_ERROR(CheckLength(channel, "text", message.text,
                                 instagram() ? kMaxInstagramText : kMaxMessengerText));
  OG_RETURN_IF_ERROR(
      CheckCount(channel, "quick replies", message.options.size(), kMaxQuickReplies));
  OG_RETURN_IF_ERROR(CheckCount(channel, "media items per message", message.media.size(), 1));
  if (!message.media.empty() && (!message.text.empty() || !message.media[0].caption.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat(channel, " attachments carry no caption; send the text separately"));
  }

  JsonWriter w;
  w.BeginObject().ObjectField("recipient").Field("id", message.recipient).EndObject();
  if (message.human_agent) {
    w.Field("messaging_type", "MESSAGE_TAG").Field("tag", "HUMAN_AGENT");
  } else {
    w.Field("messaging_type", "RESPONSE");
  }
  w.ObjectField("message");
  if (!message.media.empty()) {
    const MediaAttachment& media = message.media.front();
    auto type = AttachmentType(media.kind, instagram());
    if (!type.ok()) return type.status();
    w.ObjectField("attachment").Field("type", *type).ObjectField("payload");
    w.Field("url", media.url).BoolField("is_reusable", true).EndObject().EndObject();
  } else {
    w.Field("text", message.text);
  }
  if (!message.options.empty()) {
    w.ArrayField("quick_replies");
    for (const ReplyOption& option : message.options) {
      w.BeginObject().Field("content_type", "text");
      w.Field("title", TruncateCodePoints(option.title, kMaxQuickReplyTitle));
      w.Field("payload", option.id).EndObject();
    }
    w.EndArray();
  }
  w.EndObject().EndObject();

  const std::string& account = message.settings.account;
  HttpRequest request;
  request.url = JoinUrl(message.settings.api_base_url,
                        absl::StrCat(account.empty() ? "me" : PercentEncode(account), "/messages"));
  if (absl::StrContains(message.settings.api_base_url, "graph.instagram.com")) {
    request.headers.emplace_back("Authorization", absl::StrCat("Bearer ", message.settings.token));
  } else {
    absl::StrAppend(&request.url, "?access_token=", PercentEncode(message.settings.token));
  }
  request.content_type = "application/json";
  request.body = w.Take();
  request.secrets.push_back(PercentEncode(message.settings.token));
  request.secrets.push_back(message.settings.token);
  return request;
}

SendOutcome MessengerSender::Classify(const OutboundMessage&, const HttpResponse& response) const {
  const ParsedBody body = ParseBody(response);
  if (auto error = ClassifyGraphError(response, body)) return *std::move(error);
  return SentOrUnreadable(response, StringAt(body.root(), "message_id"));
}

}  // namespace omnigate::outbound
