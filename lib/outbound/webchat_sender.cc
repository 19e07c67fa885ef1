#include "lib/outbound/webchat_sender.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "lib/common/encoding.h"
#include "lib/common/status_macros.h"
#include "lib/crypto/hmac.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/json_writer.h"
#include "lib/outbound/message_checks.h"

namespace omnigate::outbound {
namespace {

constexpr absl::string_view kChannel = "web chat";

// Site and session from the "webchat:<site>:<session>" conversation key; the
// configured account and the recipient when the key says nothing.
std::pair<std::string, std::string> SiteAndSession(const OutboundMessage& message) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(message.conversation_key, absl::MaxSplits(':', 2));
  if (parts.size() == 3 && parts[0] == "webchat" && !parts[2].empty()) {
    return {message.settings.account.empty() ? std::string(parts[1]) : message.settings.account,
            std::string(parts[2])};
  }
  return {message.settings.account, message.recipient};
}

}  // namespace

absl::StatusOr<HttpRequest> WebchatSender::Build(const OutboundMessage& message) const {
  OG_RETURN_IF_ERROR(CheckBasics(message, kChannel));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "api_base_url", message.settings.api_base_url));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "secret", message.settings.secret));
  if (message.outbound_id.empty()) {
    return absl::InvalidArgumentError("web chat messages need the outbound id (widget dedupe)");
  }
  const int64_t now_ms = clock_.NowMs();
  const std::string now =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(now_ms), absl::UTCTimeZone());

  const auto [site, session] = SiteAndSession(message);
  JsonWriter w;
  w.BeginObject().IntField("schema_version", 1).Field("site_id", site);
  w.Field("delivery_id", message.outbound_id).Field("sent_at", now);
  w.ArrayField("events").BeginObject();
  w.Field("event_id", message.outbound_id).Field("type", "message.created");
  w.Field("occurred_at", now);
  w.ObjectField("session").Field("id", session);
  w.Field("visitor_id", message.recipient).EndObject();
  w.ObjectField("author").Field("role", message.human_agent ? "agent" : "bot").EndObject();
  w.ObjectField("message").Field("server_message_id", message.outbound_id);
  w.Field("text", message.text);
  if (!message.reply_to_external_id.empty()) w.Field("reply_to", message.reply_to_external_id);
  w.ArrayField("attachments");
  for (const MediaAttachment& media : message.media) {
    w.BeginObject().Field("url", media.url);
    if (!media.mime_type.empty()) w.Field("mime_type", media.mime_type);
    if (!media.file_name.empty()) w.Field("filename", media.file_name);
    if (!media.caption.empty()) w.Field("caption", media.caption);
    w.EndObject();
  }
  w.EndArray().ArrayField("quick_replies");
  for (const ReplyOption& option : message.options) {
    w.BeginObject().Field("payload", option.id).Field("title", option.title).EndObject();
  }
  w.EndArray().EndObject();
  w.EndObject().EndArray().EndObject();

  HttpRequest request;
  request.url = message.settings.api_base_url;
  request.body = w.Take();
  const std::string t = absl::StrCat(now_ms / 1000);
  const std::string mac =
      crypto::HmacSha256(message.settings.secret, absl::StrCat(t, ".", request.body));
  request.headers.emplace_back("X-Webchat-Signature",
                               absl::StrCat("t=", t, ",v1=", HexEncode(mac)));
  request.content_type = "application/json";
  return request;
}

SendOutcome WebchatSender::Classify(const OutboundMessage& message,
                                    const HttpResponse& response) const {
  if (response.status >= 200 && response.status < 300) return Sent(message.outbound_id);
  SendOutcome outcome = ClassifyByStatus(response);
  const ParsedBody body = ParseBody(response);
  std::string text = StringAt(body.root(), "error");
  if (text.empty()) text = StringAt(body.root(), "message");
  if (!text.empty()) outcome.error_message = text;
  return outcome;
}

}  // namespace omnigate::outbound
