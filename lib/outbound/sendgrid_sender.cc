#include "lib/outbound/sendgrid_sender.h"

#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/outbound/email_compose.h"
#include "lib/outbound/http_response_json.h"
#include "lib/outbound/json_writer.h"
#include "lib/outbound/message_checks.h"
#include "lib/outbound/url_form.h"

namespace omnigate::outbound {
namespace {

constexpr absl::string_view kChannel = "SendGrid";

}  // namespace

absl::StatusOr<HttpRequest> SendGridSender::Build(const OutboundMessage& message) const {
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "api_base_url", message.settings.api_base_url));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "token", message.settings.token));
  OG_RETURN_IF_ERROR(RequireSetting(kChannel, "from", message.settings.from));
  auto parts = ComposeEmail(message, kChannel);
  if (!parts.ok()) return parts.status();
  const auto [from_name, from_email] = SplitAddress(message.settings.from);

  JsonWriter w;
  w.BeginObject().ArrayField("personalizations").BeginObject().ArrayField("to");
  w.BeginObject().Field("email", message.recipient).EndObject();
  w.EndArray().EndObject().EndArray();
  w.ObjectField("from").Field("email", from_email);
  if (!from_name.empty()) w.Field("name", from_name);
  w.EndObject();
  w.Field("subject", parts->subject);
  w.ArrayField("content").BeginObject().Field("type", "text/plain").Field("value", parts->text);
  w.EndObject().EndArray();
  if (!parts->in_reply_to.empty()) {
    w.ObjectField("headers").Field("In-Reply-To", parts->in_reply_to);
    w.Field("References", parts->references).EndObject();
  }
  // Custom arguments come back on every Event Webhook event: the
  // conversation tells ingest where the reply's provider id is recorded
  // (lib/channels/email_receipts.h).
  if (!message.outbound_id.empty() || !message.conversation_key.empty()) {
    w.ObjectField("custom_args");
    if (!message.outbound_id.empty()) w.Field("outbound_id", message.outbound_id);
    if (!message.conversation_key.empty()) w.Field("conversation_key", message.conversation_key);
    w.EndObject();
  }
  w.EndObject();

  HttpRequest request;
  request.url = JoinUrl(message.settings.api_base_url, "v3/mail/send");
  request.headers.emplace_back("Authorization", absl::StrCat("Bearer ", message.settings.token));
  request.content_type = "application/json";
  request.body = w.Take();
  request.secrets.push_back(message.settings.token);
  return request;
}

SendOutcome SendGridSender::Classify(const OutboundMessage&, const HttpResponse& response) const {
  const int status = response.status;
  if (status >= 200 && status < 300) {
    // 202 is an explicit acceptance with an empty body: even without the id
    // header the mail is queued, and a retry would send it twice.
    const auto id = FindHeader(response.headers, "x-message-id");
    SendOutcome outcome = Sent(id ? std::string(*id) : "");
    if (!id) outcome.error_message = "accepted without X-Message-Id";
    return outcome;
  }
  const ParsedBody body = ParseBody(response);
  const json::Value* first = FirstObjectIn(body.root(), "errors");
  std::string text = StringAt(first, "message");
  const std::string field = StringAt(first, "field");
  if (!field.empty()) text = absl::StrCat(field, ": ", text);
  if (text.empty()) text = BodySnippet(response.body);
  SendOutcome outcome = ClassifyByStatus(response);
  outcome.error_message = text;
  if (status == 429) {
    outcome.retry_after =
        WaitUntilEpochHeader(response, "x-ratelimit-reset", absl::FromUnixMillis(clock_.NowMs()));
  }
  return outcome;
}

}  // namespace omnigate::outbound
