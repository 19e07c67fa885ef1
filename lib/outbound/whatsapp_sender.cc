#include "lib/outbound/whatsapp_sender.h"

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
constexpr absl::string_view kChannel = "WhatsApp";

absl::string_view MediaType(MediaItem::Kind kind) {
  switch (kind) {
    case MediaItem::KIND_IMAGE:
      return "image";
    case MediaItem::KIND_AUDIO:
    case MediaItem::KIND_VOICE:
      return "audio";
    case MediaItem::KIND_VIDEO:
      return "video";
    case MediaItem::KIND_STICKER:
      return "sticker";
    default:
      return "document";
  }
}

absl::Status WriteMedia(const OutboundMessage& message, JsonWriter& w) {
  OG_RETURN_IF_ERROR(CheckCount(kChannel, "media items per message", message.media.size(), 1));
  const MediaAttachment& media = message.media.front();
  const std::string& caption = media.caption.empty() ? message.text : media.caption;
  const absl::string_view type = MediaType(media.kind);
  const bool captioned = type == "image" || type == "video" || type == "document";
  if (!caption.empty() && !captioned) {
    return absl::InvalidArgumentError(absl::StrCat("WhatsApp ", type, " cannot carry a caption"));
  }
  OG_RETURN_IF_ERROR(CheckLength(kChannel, "caption", caption, WhatsAppSender::kMaxCaption));
  w.Field("type", type).ObjectField(type).Field("link", media.url);
  if (!caption.empty()) w.Field("caption", caption);
  if (type == "document" && !media.file_name.empty()) w.Field("filename", media.file_name);
  w.EndObject();
  return absl::OkStatus();
}

absl::Status WriteInteractive(const OutboundMessage& message, JsonWriter& w) {
  if (!message.media.empty()) {
    return absl::InvalidArgumentError("WhatsApp buttons cannot be combined with media");
  }
  OG_RETURN_IF_ERROR(
      CheckLength(kChannel, "interactive body", message.text, WhatsAppSender::kMaxCaption));
  OG_RETURN_IF_ERROR(
      CheckCount(kChannel, "list rows", message.options.size(), WhatsAppSender::kMaxListRows));
  const bool buttons = message.options.size() <= WhatsAppSender::kMaxButtons;
  w.Field("type", "interactive").ObjectField("interactive");
  w.Field("type", buttons ? "button" : "list");
  w.ObjectField("body").Field("text", message.text).EndObject();
  w.ObjectField("action");
  if (buttons) {
    w.ArrayField("buttons");
    for (const ReplyOption& option : message.options) {
      w.BeginObject().Field("type", "reply").ObjectField("reply");
      w.Field("id", option.id)
          .Field("title", TruncateCodePoints(option.title, WhatsAppSender::kMaxButtonTitle));
      w.EndObject().EndObject();
    }
    w.EndArray();
  } else {
    w.Field("button",
            TruncateCodePoints(message.list_button_title, WhatsAppSender::kMaxButtonTitle));
    w.ArrayField("sections").BeginObject().ArrayField("rows");
    for (const ReplyOption& option : message.options) {
      w.BeginObject().Field("id", option.id);
      w.Field("title", TruncateCodePoints(option.title, WhatsAppSender::kMaxRowTitle)).EndObject();
    }
    w.EndArray().EndObject().EndArray();
  }
  w.EndObject().EndObject();
  return absl::OkStatus();
}

absl::Status WriteTemplate(const OutboundMessage& message, JsonWriter& w) {
  const WhatsAppTemplate& t = *message.whatsapp_template;
  if (!message.text.empty() || !message.media.empty() || !message.options.empty()) {
    return absl::InvalidArgumentError(
        "WhatsApp template messages carry no free text, media or buttons of their own");
  }
  if (t.name.empty() || t.language.empty()) {
    return absl::InvalidArgumentError("WhatsApp template needs a name and a language");
  }
  w.Field("type", "template").ObjectField("template").Field("name", t.name);
  w.ObjectField("language").Field("policy", "deterministic").Field("code", t.language).EndObject();
  if (!t.body_parameters.empty()) {
    w.ArrayField("components").BeginObject().Field("type", "body").ArrayField("parameters");
    for (const std::string& p : t.body_parameters) {
      w.BeginObject().Field("type", "text").Field("text", p).EndObject();
    }
    w.EndArray().EndObject().EndArray();
  }
  w.EndObject();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HttpRequest> WhatsAppSender::Build(const OutboundMessage& message) const {
  OG_RETURN_IF_ERROR(CheckBasics(message, kChannel, /*templates_allowed=*/true));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "api_base_url", message.settings.api_base_url));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "account", message.settings.account));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "token", message.settings.token));
  OG_RETURN_IF_ERROR(CheckLength(kChannel, "outbound id", message.outbound_id, kMaxCallbackData));

  JsonWriter w;
  w.BeginObject()
      .Field("messaging_product", "whatsapp")
      .Field("recipient_type", "individual")
      .Field("to", message.recipient);
  if (!message.reply_to_external_id.empty()) {
    w.ObjectField("context").Field("message_id", message.reply_to_external_id).EndObject();
  }
  if (message.whatsapp_template) {
    OG_RETURN_IF_ERROR(WriteTemplate(message, w));
  } else if (!message.options.empty()) {
    OG_RETURN_IF_ERROR(WriteInteractive(message, w));
  } else if (!message.media.empty()) {
    OG_RETURN_IF_ERROR(WriteMedia(message, w));
  } else {
    OG_RETURN_IF_ERROR(CheckLength(kChannel, "text", message.text, kMaxText));
    w.Field("type", "text").ObjectField("text").Field("body", message.text);
    w.BoolField("preview_url", false).EndObject();
  }
  if (!message.outbound_id.empty()) w.Field("biz_opaque_callback_data", message.outbound_id);
  w.EndObject();

  HttpRequest request;
  request.url = JoinUrl(message.settings.api_base_url,
                        absl::StrCat(PercentEncode(message.settings.account), "/messages"));
  request.headers.emplace_back("Authorization", absl::StrCat("Bearer ", message.settings.token));
  request.content_type = "application/json";
  request.body = w.Take();
  request.secrets.push_back(message.settings.token);
  return request;
}

SendOutcome WhatsAppSender::Classify(const OutboundMessage&, const HttpResponse& response) const {
  const ParsedBody body = ParseBody(response);
  if (auto error = ClassifyGraphError(response, body)) return *std::move(error);
  return SentOrUnreadable(response, StringAt(FirstObjectIn(body.root(), "messages"), "id"));
}

}  // namespace omnigate::outbound
